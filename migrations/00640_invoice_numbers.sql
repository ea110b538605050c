-- +goose Up
-- A cooperative's invoice numbers (发票号码) are unique, as every issuer's
-- are: a number it has already issued, typed again on another order, is a
-- typing mistake, and the institution's accounts would reject the invoice.
-- internal/invoice refuses it on the number field; this index makes two
-- issues of one number at once unable to both succeed.
--
-- Invoices recorded before the rule may already repeat a number of their
-- cooperative. They stay (each is a document a buyer may hold), each
-- repeat naming the first invoice of its number, for the platform's
-- administrators to follow up; the index holds for the first ones and for
-- every invoice recorded from now on, so a new invoice cannot take a
-- repeated number either.
ALTER TABLE invoices ADD COLUMN repeats_invoice_id bigint REFERENCES invoices (id);
UPDATE invoices i SET repeats_invoice_id = (
        SELECT min(f.id) FROM invoices f WHERE f.cooperative_id = i.cooperative_id AND f.number = i.number)
    WHERE EXISTS (SELECT 1 FROM invoices f WHERE f.cooperative_id = i.cooperative_id AND f.number = i.number AND f.id < i.id);
CREATE UNIQUE INDEX invoices_cooperative_number_key ON invoices (cooperative_id, number) WHERE repeats_invoice_id IS NULL;

-- +goose Down
DROP INDEX invoices_cooperative_number_key;
ALTER TABLE invoices DROP COLUMN repeats_invoice_id;
