-- The differential corpus: each case runs on PostgreSQL and, translated, on
-- Kalavar, over the data set of schema.sql and data.sql; the rows must be the
-- same (in the same order when the last statement has an ORDER BY). A case is a
-- `-- case:` line, a `-- tags:` line naming the constructs it exercises, an
-- optional `-- params:` line (SQL literals for $1, $2, …), then statements; the
-- last one is the query whose rows are compared. Cases run in file order on one
-- database, so a case that writes sees the writes of the cases before it.

-- case: select_columns
-- tags: select
SELECT id, name, age FROM people;

-- case: select_expressions
-- tags: select, null_semantics
SELECT id, age + 1 AS next_age, age * 2 AS twice, -age AS negated, score * 2 AS dbl FROM people;

-- case: select_aliases_and_names
-- tags: select
SELECT name AS who, city AS "Where", balance FROM people;

-- case: select_constants
-- tags: select
SELECT 1 AS one, 'x' AS letter, true AS yes, 2.5 AS half;

-- case: select_qualified
-- tags: select
SELECT p.id, p.name FROM people p WHERE p.id < 4;

-- case: select_star
-- tags: select
SELECT * FROM cities;

-- case: integer_division
-- tags: select, integer_division
SELECT id, age / 2 AS half, age % 5 AS rem, (age - 50) / 7 AS neg_div, (age - 50) % 7 AS neg_rem FROM people WHERE age IS NOT NULL;

-- case: integer_division_constants
-- tags: integer_division
SELECT 7 / 2 AS a, -7 / 2 AS b, 7 / -2 AS c, -7 % 3 AS d, 7 % -3 AS e;

-- case: integer_division_columns
-- tags: integer_division, null_semantics
SELECT id, qty / 2 AS half, qty % 2 AS rem, qty * 3 / 4 AS three_quarters FROM orders;

-- case: where_comparison
-- tags: where, null_semantics
SELECT id, name FROM people WHERE age > 30;

-- case: where_and_or_not
-- tags: where, null_semantics
SELECT id FROM people WHERE (age >= 20 AND city = 'Paris') OR NOT active;

-- case: where_not_equal_null_city
-- tags: where, null_semantics
SELECT id FROM people WHERE city <> 'Paris';

-- case: where_empty_string
-- tags: where, string_comparison
SELECT id FROM people WHERE city = '';

-- case: where_text_order
-- tags: where, string_comparison
SELECT id, name FROM people WHERE name < 'b' ORDER BY name;

-- case: where_boolean_column
-- tags: where, null_semantics
SELECT id FROM people WHERE active;

-- case: where_is_distinct
-- tags: where, null_semantics, is_null
SELECT id FROM people WHERE city IS DISTINCT FROM 'Paris';

-- case: where_is_true_false
-- tags: where, null_semantics
SELECT id, active IS TRUE AS t, active IS NOT FALSE AS nf FROM people;

-- case: where_date
-- tags: where
SELECT id FROM people WHERE joined >= DATE '2022-01-01';

-- case: where_timestamp
-- tags: where
SELECT id FROM orders WHERE placed < TIMESTAMP '2024-03-01 00:00:00';

-- case: in_list_numbers
-- tags: in_list, where
SELECT id, name FROM people WHERE id IN (1, 3, 5, 99);

-- case: in_list_text
-- tags: in_list
SELECT id FROM people WHERE city IN ('Rome', 'Oslo', '');

-- case: not_in_list
-- tags: in_list, null_semantics
SELECT id FROM people WHERE age NOT IN (27, 34);

-- case: not_in_with_null
-- tags: in_list, null_semantics
SELECT id FROM people WHERE age NOT IN (27, NULL);

-- case: where_no_rows
-- tags: where
SELECT id, name FROM people WHERE age > 1000;

-- case: between_numbers
-- tags: between
SELECT id FROM people WHERE age BETWEEN 19 AND 41;

-- case: not_between
-- tags: between, null_semantics
SELECT id FROM people WHERE age NOT BETWEEN 19 AND 41;

-- case: between_dates
-- tags: between
SELECT id FROM people WHERE joined BETWEEN DATE '2021-01-01' AND DATE '2022-12-31';

-- case: between_text
-- tags: between, string_comparison
SELECT name FROM people WHERE name BETWEEN 'B' AND 'b' ORDER BY name;

-- case: like_prefix
-- tags: like
SELECT id FROM people WHERE name LIKE 'A%';

-- case: like_suffix_contains
-- tags: like
SELECT id FROM people WHERE name LIKE '%n' OR name LIKE '%o%';

-- case: like_underscore
-- tags: like
SELECT id FROM people WHERE name LIKE '_o_';

-- case: not_like
-- tags: like, null_semantics
SELECT id FROM people WHERE city NOT LIKE 'P%';

-- case: like_exact_and_empty
-- tags: like
SELECT id FROM people WHERE name LIKE 'Cy' OR name LIKE '';

-- case: ilike_exact
-- tags: ilike
SELECT id FROM people WHERE name ILIKE 'ann';

-- case: ilike_pattern
-- tags: ilike
SELECT id FROM people WHERE name ILIKE 'b%';

-- case: not_ilike
-- tags: ilike
SELECT id FROM people WHERE name NOT ILIKE '%A%';

-- case: cast_int_to_text
-- tags: cast
SELECT id, CAST(id AS text) AS t FROM people WHERE id < 4;

-- case: cast_double_colon
-- tags: cast
SELECT orders.id, people.age::bigint AS a, orders.qty::double precision AS q FROM orders JOIN people ON people.id = orders.person_id;

-- case: cast_text_to_int
-- tags: cast
SELECT '42'::int + 1 AS n, CAST('7' AS bigint) AS m;

-- case: cast_numeric
-- tags: cast
SELECT id, amount::numeric(12, 3) AS a FROM orders WHERE amount IS NOT NULL;

-- case: is_null
-- tags: is_null, null_semantics
SELECT id FROM people WHERE age IS NULL OR city IS NULL;

-- case: is_not_null
-- tags: is_null
SELECT id FROM orders WHERE person_id IS NOT NULL AND status IS NOT NULL;

-- case: is_null_in_select
-- tags: is_null, select
SELECT id, city IS NULL AS no_city, active IS NULL AS unknown FROM people;

-- case: coalesce_text
-- tags: coalesce
SELECT id, coalesce(city, 'nowhere') AS place FROM people;

-- case: coalesce_numbers
-- tags: coalesce
SELECT id, coalesce(amount, 0) AS amount, coalesce(person_id, -1) AS person FROM orders;

-- case: coalesce_chain
-- tags: coalesce, null_semantics
SELECT orders.id, coalesce(age, qty, 0) AS n FROM orders LEFT JOIN people ON people.id = orders.person_id;

-- case: case_searched
-- tags: case, null_semantics
SELECT id, CASE WHEN age < 18 THEN 'minor' WHEN age >= 65 THEN 'senior' ELSE 'adult' END AS band FROM people ORDER BY id;

-- case: case_simple_no_else
-- tags: case, null_semantics
SELECT id, CASE city WHEN 'Paris' THEN 1 WHEN 'Berlin' THEN 2 END AS code FROM people ORDER BY id;

-- case: case_in_where_and_numbers
-- tags: case, where
SELECT id, CASE WHEN qty IS NULL THEN 0 WHEN qty < 0 THEN -qty ELSE qty END AS q FROM orders WHERE CASE WHEN status = 'paid' THEN true ELSE false END ORDER BY id;

-- case: case_in_aggregate
-- tags: case, aggregate_functions
SELECT sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS positive, count(CASE WHEN status = '' THEN 1 END) AS empty_status FROM orders;

-- case: functions_text
-- tags: scalar_functions
SELECT id, lower(name) AS l, upper(name) AS u, length(name) AS n FROM people;

-- case: functions_concat
-- tags: scalar_functions, null_semantics
SELECT id, name || '@' || city AS joined_text, concat(name, '@', city) AS concat_text FROM people;

-- case: functions_numbers
-- tags: scalar_functions
SELECT id, abs(score) AS a, floor(score) AS f, ceil(score) AS c, mod(age, 4) AS m FROM people;

-- case: functions_substring
-- tags: scalar_functions
SELECT id, substring(name FROM 1 FOR 2) AS s, substr(name, 2) AS t FROM people;

-- case: functions_starts_with
-- tags: scalar_functions
SELECT id FROM people WHERE starts_with(name, 'B') OR starts_with(city, 'O');

-- case: functions_round_half_even
-- tags: scalar_functions
SELECT id, round(score) AS r, round(balance) AS rb, round(score * 3) AS r3 FROM people;

-- case: functions_case_mapping
-- tags: scalar_functions
SELECT upper('straße' COLLATE "C.utf8") AS u, lower('İSTANBUL ΣΑΣ' COLLATE "C.utf8") AS l, upper(name) AS n FROM people WHERE id = 7;

-- case: float_negative_zero
-- tags: where, group_by, distinct
SELECT s, count(*) AS n FROM (SELECT score * -1 AS s FROM people WHERE id = 6 UNION ALL SELECT score FROM people) t WHERE s = 0 GROUP BY s;

-- case: cast_timestamp_to_date
-- tags: cast, where
SELECT id, placed::date AS day, placed::time AS at FROM orders WHERE placed::date < current_date AND placed::date >= DATE '2024-03-01';

-- case: cast_date_to_timestamp
-- tags: cast, where
SELECT id, joined::timestamp AS midnight FROM people WHERE joined::timestamp < TIMESTAMP '2021-06-01 00:00:00';

-- case: count_null
-- tags: aggregate_functions, null_semantics
SELECT count(NULL) AS n, count(DISTINCT NULL) AS d, count(*) AS c FROM people;

-- case: aggregate_all
-- tags: aggregate_functions, null_semantics
SELECT count(*), count(age), count(DISTINCT city), sum(age), min(age), max(age) FROM people;

-- case: aggregate_avg
-- tags: aggregate_functions
SELECT avg(score) AS s, avg(balance) AS b FROM people;

-- case: aggregate_text_min_max
-- tags: aggregate_functions, string_comparison
SELECT min(name) AS first, max(name) AS last FROM people;

-- case: aggregate_empty_input
-- tags: aggregate_functions, null_semantics
SELECT count(*) AS n, sum(age) AS s, max(name) AS m FROM people WHERE id > 1000;

-- case: group_by_column
-- tags: group_by, aggregate_functions
SELECT city, count(*) AS n FROM people GROUP BY city;

-- case: group_by_two
-- tags: group_by
SELECT status, person_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY status, person_id;

-- case: group_by_expression
-- tags: group_by
SELECT age / 10 AS decade, count(*) AS n FROM people GROUP BY age / 10;

-- case: group_by_position_and_alias
-- tags: group_by
SELECT lower(name) AS l, count(*) AS n FROM people GROUP BY 1;

-- case: group_by_alias
-- tags: group_by
SELECT coalesce(city, '?') AS place, count(*) AS n FROM people GROUP BY place;

-- case: having_count
-- tags: having, group_by
SELECT city, count(*) AS n FROM people GROUP BY city HAVING count(*) > 1;

-- case: having_hidden_aggregate
-- tags: having
SELECT city FROM people GROUP BY city HAVING max(age) > 40;

-- case: having_on_key
-- tags: having
SELECT person_id, sum(amount) AS total FROM orders GROUP BY person_id HAVING person_id > 2 AND sum(amount) > 0;

-- case: order_by_name
-- tags: order_by_name, nulls_order
SELECT id, age FROM people ORDER BY age, id;

-- case: order_by_name_desc
-- tags: order_by_name, nulls_order
SELECT id, age FROM people ORDER BY age DESC, id;

-- case: order_by_name_not_selected
-- tags: order_by_name, nulls_order
SELECT name FROM people ORDER BY city DESC, id;

-- case: order_by_text
-- tags: order_by_name, string_comparison
SELECT name FROM people ORDER BY name;

-- case: order_by_alias
-- tags: order_by_alias
SELECT id, age + 1 AS next FROM people ORDER BY next, id;

-- case: order_by_alias_desc
-- tags: order_by_alias, nulls_order
SELECT id, score AS s FROM people ORDER BY s DESC, id DESC;

-- case: order_by_alias_aggregate
-- tags: order_by_alias, group_by
SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC, status;

-- case: order_by_position
-- tags: order_by_position
SELECT name, age FROM people ORDER BY 2, 1;

-- case: order_by_position_desc
-- tags: order_by_position, nulls_order
SELECT id, city FROM people ORDER BY 2 DESC, 1;

-- case: order_by_position_group
-- tags: order_by_position, group_by
SELECT person_id, count(*) FROM orders GROUP BY person_id ORDER BY 2 DESC, 1;

-- case: order_by_nulls_first
-- tags: order_by_name, nulls_order
SELECT id FROM people ORDER BY age NULLS FIRST, id;

-- case: order_by_desc_nulls_last
-- tags: order_by_name, nulls_order
SELECT id FROM people ORDER BY city DESC NULLS LAST, id;

-- case: order_by_expression
-- tags: order_by_name
SELECT id FROM people ORDER BY coalesce(age, 100) - id, id;

-- case: limit
-- tags: limit_offset, order_by_name
SELECT id FROM people ORDER BY id LIMIT 3;

-- case: limit_offset
-- tags: limit_offset
SELECT id FROM people ORDER BY id LIMIT 3 OFFSET 4;

-- case: offset_only
-- tags: limit_offset
SELECT id FROM orders ORDER BY id OFFSET 12;

-- case: limit_past_end
-- tags: limit_offset
SELECT name FROM cities ORDER BY name LIMIT 100 OFFSET 2;

-- case: distinct_column
-- tags: distinct
SELECT DISTINCT city FROM people;

-- case: distinct_two
-- tags: distinct
SELECT DISTINCT status, qty FROM orders;

-- case: distinct_ordered
-- tags: distinct, order_by_name
SELECT DISTINCT age FROM people ORDER BY age DESC;

-- case: inner_join
-- tags: inner_join, join_on
SELECT p.name, o.id, o.amount FROM people p JOIN orders o ON o.person_id = p.id;

-- case: inner_join_duplicates
-- tags: inner_join, join_on
SELECT t.tag, p.name FROM tags t INNER JOIN people p ON p.id = t.person_id WHERE t.tag = 'vip';

-- case: inner_join_extra_condition
-- tags: inner_join, join_on
SELECT p.id, o.id FROM people p JOIN orders o ON o.person_id = p.id AND o.amount > 10;

-- case: inner_join_three
-- tags: inner_join, join_on
SELECT p.name, c.country, o.id FROM people p JOIN cities c ON c.name = p.city JOIN orders o ON o.person_id = p.id;

-- case: comma_join
-- tags: inner_join
SELECT p.name, c.country FROM people p, cities c WHERE c.name = p.city AND p.age > 30;

-- case: left_join
-- tags: left_join, join_on
SELECT p.id, o.id AS order_id FROM people p LEFT JOIN orders o ON o.person_id = p.id;

-- case: left_join_unmatched
-- tags: left_join, join_on, is_null
SELECT p.id FROM people p LEFT JOIN orders o ON o.person_id = p.id WHERE o.id IS NULL;

-- case: left_join_empty_key
-- tags: left_join, join_on
SELECT p.id, c.country FROM people p LEFT JOIN cities c ON c.name = p.city;

-- case: right_join
-- tags: right_join, join_on
SELECT p.name, o.id FROM people p RIGHT JOIN orders o ON o.person_id = p.id;

-- case: right_join_cities
-- tags: right_join, join_on
SELECT c.name, p.id FROM people p RIGHT JOIN cities c ON c.name = p.city;

-- case: right_outer_join_tags
-- tags: right_join, join_on
SELECT p.id, t.tag FROM people p RIGHT OUTER JOIN tags t ON t.person_id = p.id;

-- case: left_join_on_filters_the_right_side
-- tags: left_join, join_on, null_semantics
SELECT p.id, o.id AS oid, o.status FROM people p LEFT JOIN orders o ON o.person_id = p.id AND o.status = 'paid' AND o.qty > 0;

-- case: right_join_on_filters_the_left_side
-- tags: right_join, join_on
SELECT p.name, o.id FROM people p RIGHT JOIN orders o ON p.id = o.person_id AND p.age > 30;

-- case: full_join
-- tags: full_join, join_on
SELECT p.id, o.id AS order_id FROM people p FULL JOIN orders o ON o.person_id = p.id;

-- case: full_join_cities
-- tags: full_join, join_on
SELECT p.id, c.name FROM people p FULL OUTER JOIN cities c ON c.name = p.city;

-- case: full_join_tags
-- tags: full_join, join_on
SELECT t.tag, o.id FROM tags t FULL JOIN orders o ON o.person_id = t.person_id;

-- case: join_using
-- tags: join_using, inner_join
SELECT person_id, tag, id FROM tags JOIN orders USING (person_id);

-- case: join_using_left
-- tags: join_using, left_join
SELECT person_id, tag, amount FROM tags LEFT JOIN orders USING (person_id);

-- case: join_using_full
-- tags: join_using, full_join
SELECT person_id, tag, amount FROM tags FULL JOIN orders USING (person_id);

-- case: join_using_star
-- tags: join_using, inner_join
SELECT * FROM orders JOIN tags USING (person_id) WHERE tag = 'vip';

-- case: subquery_from
-- tags: subquery_from
SELECT s.city, s.n FROM (SELECT city, count(*) AS n FROM people GROUP BY city) s WHERE s.n > 1;

-- case: subquery_from_join
-- tags: subquery_from, inner_join
SELECT p.name, t.total FROM people p JOIN (SELECT person_id, sum(amount) AS total FROM orders GROUP BY person_id) t ON t.person_id = p.id;

-- case: subquery_from_limit
-- tags: subquery_from, limit_offset
SELECT x.id FROM (SELECT id FROM people ORDER BY id DESC LIMIT 3) x;

-- case: subquery_column_aliases
-- tags: subquery_from
SELECT a, b FROM (SELECT id, name FROM people WHERE id < 3) AS s (a, b);

-- case: cte_simple
-- tags: cte
WITH adults AS (SELECT * FROM people WHERE age >= 21) SELECT id, name FROM adults;

-- case: cte_chain
-- tags: cte, group_by
WITH a AS (SELECT person_id, amount FROM orders WHERE amount > 0), b AS (SELECT person_id, count(*) AS n FROM a GROUP BY person_id) SELECT person_id, n FROM b;

-- case: cte_join
-- tags: cte, inner_join
WITH t AS (SELECT person_id, count(*) AS n FROM tags GROUP BY person_id) SELECT p.name, t.n FROM people p JOIN t ON t.person_id = p.id;

-- case: cte_columns
-- tags: cte
WITH c (who, place) AS (SELECT name, city FROM people) SELECT who, place FROM c WHERE place = 'Oslo';

-- case: union_all
-- tags: select
SELECT name FROM people WHERE id < 3 UNION ALL SELECT name FROM cities;

-- case: union_distinct
-- tags: distinct
SELECT city FROM people UNION SELECT name FROM cities;

-- case: values_rows
-- tags: select
SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS v (n, s);

-- case: string_equality_case
-- tags: string_comparison
SELECT id FROM people WHERE name = 'bob';

-- case: string_compare_accent
-- tags: string_comparison
SELECT id, name FROM people WHERE name > 'Z' ORDER BY name;

-- case: null_arithmetic
-- tags: null_semantics, select
SELECT id, age + NULL AS a, NULL = NULL AS b FROM people WHERE id < 3;

-- case: integer_with_decimal
-- tags: select, where
SELECT id, age + balance AS s, balance - age AS d, balance = age AS same FROM people WHERE balance > age OR balance = age ORDER BY id;

-- case: integer_with_decimal_union
-- tags: select
SELECT age AS v FROM people WHERE id < 4 UNION SELECT balance FROM people WHERE id < 4 ORDER BY v;

-- case: decimal_arithmetic_scale
-- tags: select
SELECT orders.id, balance * balance AS sq, balance / 3 AS third, balance * qty AS line, amount / qty AS each, amount % 3 AS m, balance + amount AS total FROM people JOIN orders ON orders.person_id = people.id WHERE qty <> 0 ORDER BY orders.id;

-- case: concat_non_text
-- tags: scalar_functions, null_semantics
SELECT id, name || age AS a, 'x' || 1 || 2.50 AS b, concat(name, age, active, balance, joined, NULL) AS c, name || active AS d, city || balance AS e FROM people ORDER BY id;

-- case: date_integer_arithmetic
-- tags: select, null_semantics
SELECT id, joined + 1 AS next, joined - 1 AS prev, 2 + joined AS two, joined - DATE '2020-01-01' AS days, DATE '2024-02-28' + 1 AS leap, DATE '2024-03-01' - DATE '2024-02-01' AS feb FROM people WHERE joined - 7 > '2020-01-01' OR joined IS NULL ORDER BY id;

-- case: timestamp_untyped_literals
-- tags: where
SELECT id FROM orders WHERE placed = '2024-01-05 10:00:00+00' OR placed >= '2024-03-06' OR placed = '2024-03-02T08:00:00Z' ORDER BY id;

-- case: now_untyped_literals
-- tags: where
SELECT count(*) AS n FROM orders WHERE localtimestamp > '2020-01-01' AND current_date > '2020-01-01' AND now() > '2020-01-01 00:00:00';

-- case: nullif_values
-- tags: scalar_functions, null_semantics
SELECT id, nullif(age, 27) AS a, nullif(city, '') AS c, nullif(balance, 0) AS b FROM people ORDER BY id;

-- case: count_null_literal
-- tags: aggregate_functions, null_semantics
SELECT count(NULL) AS n, count(age) AS a, count(*) AS s FROM people;

-- case: null_logic
-- tags: null_semantics
SELECT id, active AND age > 30 AS x, active OR age > 30 AS y FROM people;

-- case: null_comparison_filter
-- tags: null_semantics, where
SELECT id FROM people WHERE NOT (age > 30);

-- case: parameters_where
-- tags: parameters, where
-- params: 27
SELECT id, name FROM people WHERE age = $1;

-- case: parameters_two
-- tags: parameters
-- params: 'Paris', 40
SELECT id FROM people WHERE city = $1 AND age < $2;

-- case: parameters_limit
-- tags: parameters, limit_offset
-- params: 2, 1
SELECT id FROM people ORDER BY id LIMIT $1 OFFSET $2;

-- case: parameters_in
-- tags: parameters, in_list
-- params: 1, 7
SELECT id FROM people WHERE id IN ($1, $2);

-- case: create_schema_and_table
-- tags: create_schema, create_table, insert_values
CREATE SCHEMA diff_w;
CREATE TABLE diff_w.items (id bigint PRIMARY KEY, label text COLLATE "C" NOT NULL, qty integer DEFAULT 1, price numeric(8, 2), seen timestamptz, ok boolean DEFAULT true);
INSERT INTO diff_w.items (id, label, price) VALUES (1, 'one', 1.50), (2, 'two', NULL), (3, '', -4.25);
SELECT id, label, qty, price, ok FROM diff_w.items ORDER BY id;

-- case: create_schema_if_not_exists
-- tags: create_schema, create_table, insert_values
CREATE SCHEMA IF NOT EXISTS diff_w;
CREATE TABLE IF NOT EXISTS diff_w.flags (name text COLLATE "C" PRIMARY KEY, on_off boolean NOT NULL DEFAULT false);
INSERT INTO diff_w.flags (name) VALUES ('a'), ('b');
SELECT name, on_off FROM diff_w.flags ORDER BY name;

-- case: insert_values_multi
-- tags: insert_values
INSERT INTO diff_w.items (id, label, qty, ok) VALUES (4, 'four', -4, false), (5, 'five', NULL, NULL), (6, 'six', 6, DEFAULT);
SELECT id, label, qty, ok FROM diff_w.items WHERE id >= 4 ORDER BY id;

-- case: insert_values_all_columns
-- tags: insert_values, create_table
CREATE TABLE diff_w.pairs (a integer PRIMARY KEY, b text COLLATE "C");
INSERT INTO diff_w.pairs VALUES (1, 'x'), (2, NULL), (3, '');
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: insert_select
-- tags: insert_select
INSERT INTO diff_w.items (id, label, qty) SELECT id + 100, name, age FROM people WHERE age > 30;
SELECT id, label, qty FROM diff_w.items WHERE id > 100 ORDER BY id;

-- case: insert_select_renamed
-- tags: insert_select, create_table
CREATE TABLE diff_w.totals (person integer PRIMARY KEY, total numeric(12, 2));
INSERT INTO diff_w.totals (person, total) SELECT person_id, sum(amount) FROM orders WHERE person_id IS NOT NULL GROUP BY person_id;
SELECT person, total FROM diff_w.totals ORDER BY person;

-- case: insert_select_cte
-- tags: insert_select, cte
INSERT INTO diff_w.pairs (a, b) WITH src AS (SELECT id, city FROM people WHERE id > 7) SELECT id, city FROM src;
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: upsert_values
-- tags: upsert
INSERT INTO diff_w.pairs (a, b) VALUES (1, 'changed'), (50, 'new') ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b;
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: upsert_all_columns
-- tags: upsert
INSERT INTO diff_w.totals (person, total) VALUES (1, 0), (99, -1) ON CONFLICT (person) DO UPDATE SET total = EXCLUDED.total;
SELECT person, total FROM diff_w.totals ORDER BY person;

-- case: upsert_select
-- tags: upsert, insert_select
INSERT INTO diff_w.pairs (a, b) SELECT id, name FROM people WHERE id <= 3 ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b;
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: update_where
-- tags: update
UPDATE diff_w.items SET qty = qty * 10 WHERE id < 4;
SELECT id, qty FROM diff_w.items ORDER BY id;

-- case: update_null_and_text
-- tags: update, null_semantics
UPDATE diff_w.items SET label = label || '!', price = NULL WHERE price IS NULL OR price < 0;
SELECT id, label, price FROM diff_w.items ORDER BY id;

-- case: update_all_rows
-- tags: update
UPDATE diff_w.pairs SET b = coalesce(b, 'none');
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: update_parameters
-- tags: update, parameters
-- params: 7, 'seven'
UPDATE diff_w.pairs SET b = $2 WHERE a = $1;
SELECT a, b FROM diff_w.pairs ORDER BY a;

-- case: delete_where
-- tags: delete
DELETE FROM diff_w.items WHERE id > 100;
SELECT id FROM diff_w.items ORDER BY id;

-- case: delete_null_filter
-- tags: delete, null_semantics
DELETE FROM diff_w.items WHERE qty IS NULL OR ok = false;
SELECT id, qty, ok FROM diff_w.items ORDER BY id;

-- case: delete_all
-- tags: delete
DELETE FROM diff_w.totals;
SELECT count(*) AS n FROM diff_w.totals;

-- case: transaction_commit
-- tags: transactions, insert_values
BEGIN;
INSERT INTO diff_w.totals (person, total) VALUES (1, 1.00), (2, 2.00);
COMMIT;
SELECT person, total FROM diff_w.totals ORDER BY person;

-- case: transaction_rollback
-- tags: transactions, delete
BEGIN;
DELETE FROM diff_w.totals;
ROLLBACK;
SELECT count(*) AS n FROM diff_w.totals;

-- case: transaction_rollback_update
-- tags: transactions, update
START TRANSACTION;
UPDATE diff_w.totals SET total = total * 100;
ROLLBACK;
SELECT person, total FROM diff_w.totals ORDER BY person;

-- case: drop_and_recreate
-- tags: drop, create_table
DROP TABLE diff_w.totals;
CREATE TABLE diff_w.totals (person integer PRIMARY KEY, note text COLLATE "C" DEFAULT 'n/a');
INSERT INTO diff_w.totals (person) VALUES (1);
SELECT person, note FROM diff_w.totals;

-- case: drop_if_exists
-- tags: drop
DROP TABLE IF EXISTS diff_w.missing;
DROP TABLE IF EXISTS diff_w.pairs;
CREATE TABLE diff_w.pairs (a integer PRIMARY KEY);
SELECT count(*) AS n FROM diff_w.pairs;

-- case: drop_several_and_schema
-- tags: drop, create_schema
DROP TABLE diff_w.pairs, diff_w.totals, diff_w.items, diff_w.flags;
DROP SCHEMA diff_w;
CREATE SCHEMA diff_w;
CREATE TABLE diff_w.items (id integer PRIMARY KEY);
SELECT count(*) AS n FROM diff_w.items;

