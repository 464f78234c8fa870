-- The "real" orders that only approved code and data owners may query.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    amount REAL NOT NULL
);
INSERT INTO orders (region, product, amount) VALUES
    ('north', 'widget', 1250.5),
    ('north', 'gizmo', 980.0),
    ('south', 'widget', 2210.75),
    ('south', 'gadget', 415.2),
    ('east', 'widget', 3300.0),
    ('east', 'gizmo', 120.9),
    ('west', 'gadget', 760.4);
