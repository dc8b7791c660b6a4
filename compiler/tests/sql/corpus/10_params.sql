-- Positional parameters stay positional.
SELECT * FROM shop.people WHERE id = $1;
SELECT * FROM shop.people WHERE name = $1 AND age > $2;
SELECT * FROM shop.people WHERE age BETWEEN $1 AND $2;
SELECT * FROM shop.people WHERE id IN ($1, $2, $3);
SELECT * FROM shop.people ORDER BY id LIMIT $1 OFFSET $2;
SELECT * FROM shop.people WHERE city = $1::text;
SELECT $1::int + 1 AS n;
SELECT name FROM shop.people WHERE starts_with(name, $1);
SELECT city, count(*) FROM shop.people WHERE age > $1 GROUP BY city HAVING count(*) > $2;
SELECT * FROM chat.messages WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 20;
UPDATE shop.people SET age = $2 WHERE id = $1;
DELETE FROM shop.people WHERE id = $10;
INSERT INTO shop.people (id, name, age) VALUES ($1, $2, $3);
INSERT INTO kv.settings (key, value, updated) VALUES ($1, $2, now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated = EXCLUDED.updated;
