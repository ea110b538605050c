-- +goose Up
-- Invoices (发票): a buyer or their institution asks for one on a paid
-- order; each cooperative of the order issues its own for its part, with
-- the number and the PDF it uploads. The PDF is kept here, with the record:
-- PostgreSQL is the only system of record, and every node of the service
-- serves it alike.
CREATE TABLE invoice_requests (
    order_id     bigint PRIMARY KEY REFERENCES orders (id),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    taxpayer_id  text NOT NULL DEFAULT '',
    kind         text NOT NULL CHECK (kind IN ('normal', 'special')),
    email        text NOT NULL,
    requested_by bigint NOT NULL REFERENCES users (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'normal' OR taxpayer_id <> '')
);

CREATE TABLE invoices (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id       bigint NOT NULL REFERENCES invoice_requests (order_id),
    cooperative_id bigint NOT NULL REFERENCES cooperatives (id),
    number         text NOT NULL CHECK (length(number) BETWEEN 1 AND 40),
    pdf            bytea NOT NULL CHECK (length(pdf) BETWEEN 5 AND 5242880),
    issued_by      bigint NOT NULL REFERENCES users (id),
    issued_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, cooperative_id),
    FOREIGN KEY (order_id, cooperative_id) REFERENCES shipments (order_id, cooperative_id)
);

-- +goose Down
DROP TABLE invoices;
DROP TABLE invoice_requests;
