-- Synthetic orders: the same shape as the private table, with made-up rows.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    amount REAL NOT NULL
);
INSERT INTO orders (region, product, amount) VALUES
    ('north', 'widget', 10.0),
    ('north', 'gadget', 20.0),
    ('south', 'widget', 30.0),
    ('south', 'gizmo', 40.0),
    ('east', 'gadget', 50.0);
