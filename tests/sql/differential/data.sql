-- The differential data set: NULLs in every nullable column, empty strings,
-- negative numbers, names that differ only in case, duplicate join keys, orders
-- whose person does not exist, people without orders, a city no one lives in.
INSERT INTO diff.people (id, name, age, city, score, balance, joined, active) VALUES
  (1, 'Ann', 34, 'Paris', 4.5, 120.50, DATE '2021-03-04', true),
  (2, 'bob', 27, 'Rome', -1.25, -30.00, DATE '2022-11-30', true),
  (3, 'Bob', NULL, 'Paris', 3.0, 0.00, DATE '2020-01-01', false),
  (4, 'Cy', 41, '', 2.75, 999.99, NULL, true),
  (5, 'dee', 19, NULL, NULL, NULL, DATE '2023-07-15', NULL),
  (6, '', 65, 'Oslo', 0.0, -0.01, DATE '2019-12-31', false),
  (7, 'Émile', 52, 'Paris', 5.0, 10.00, DATE '2021-03-04', true),
  (8, 'ann', -3, 'Rome', -2.5, 3.33, DATE '2024-02-29', true),
  (9, 'Zoë', 27, 'Lima', 1.5, 42.00, DATE '2022-06-01', NULL),
  (10, 'al', 0, 'Oslo', 4.5, 7.70, DATE '2023-01-01', false);
INSERT INTO diff.orders (id, person_id, amount, status, qty, placed) VALUES
  (100, 1, 19.99, 'paid', 1, TIMESTAMP '2024-01-05 10:00:00'),
  (101, 1, 5.00, 'paid', 3, TIMESTAMP '2024-01-06 11:30:00'),
  (102, 1, -5.00, 'refund', -1, TIMESTAMP '2024-01-07 09:15:00'),
  (103, 2, 250.00, 'new', 10, TIMESTAMP '2024-02-01 00:00:00'),
  (104, 2, NULL, '', 2, NULL),
  (105, 3, 12.00, NULL, NULL, TIMESTAMP '2023-12-31 23:59:59'),
  (106, 4, 0.00, 'paid', 0, TIMESTAMP '2024-03-01 12:00:00'),
  (107, 7, 77.70, 'shipped', 7, TIMESTAMP '2024-03-02 08:00:00'),
  (108, 7, 1.10, 'paid', 1, TIMESTAMP '2024-03-02 08:00:01'),
  (109, NULL, 8.00, 'paid', 2, TIMESTAMP '2024-03-03 10:00:00'),
  (110, 42, 15.00, 'new', 1, TIMESTAMP '2024-03-04 10:00:00'),
  (111, 42, -2.50, 'refund', -1, TIMESTAMP '2024-03-05 10:00:00'),
  (112, 9, 33.30, 'shipped', 3, TIMESTAMP '2024-03-06 10:00:00'),
  (113, 8, 9.99, 'new', 1, TIMESTAMP '2024-03-07 10:00:00'),
  (114, 8, 9.99, 'new', 1, TIMESTAMP '2024-03-08 10:00:00');
INSERT INTO diff.cities (name, country, population) VALUES
  ('Paris', 'FR', 2100000),
  ('Rome', 'IT', 2800000),
  ('Oslo', 'NO', 700000),
  ('Lima', 'PE', 10000000),
  ('Quito', 'EC', 2800000),
  ('', NULL, NULL);
INSERT INTO diff.tags (person_id, tag) VALUES
  (1, 'vip'), (1, 'early'), (2, 'vip'), (3, 'early'), (4, ''), (7, 'vip'),
  (7, 'staff'), (8, 'new'), (9, 'new'), (9, 'vip'), (42, 'ghost');
