-- +goose Up
-- Invoice numbers are kept in capitals since this version, and one typed in
-- another letter case is the same number. Invoices recorded before may hold
-- their numbers as typed ("fp-0001"), so the index that keeps a
-- cooperative's numbers unique compares them in capitals: otherwise an
-- FP-0001 typed now would pass beside the fp-0001 recorded before.
--
-- Numbers recorded before that differ only in letter case are repeats, as
-- in migration 00640: they stay, each naming the first invoice of its
-- number, and the index holds for the first ones.
UPDATE invoices i SET repeats_invoice_id = (
        SELECT min(f.id) FROM invoices f WHERE f.cooperative_id = i.cooperative_id AND upper(f.number) = upper(i.number))
    WHERE i.repeats_invoice_id IS NULL
      AND EXISTS (SELECT 1 FROM invoices f WHERE f.cooperative_id = i.cooperative_id
          AND upper(f.number) = upper(i.number) AND f.id < i.id);
DROP INDEX invoices_cooperative_number_key;
CREATE UNIQUE INDEX invoices_cooperative_number_key ON invoices (cooperative_id, upper(number)) WHERE repeats_invoice_id IS NULL;

-- +goose Down
DROP INDEX invoices_cooperative_number_key;
CREATE UNIQUE INDEX invoices_cooperative_number_key ON invoices (cooperative_id, number) WHERE repeats_invoice_id IS NULL;
