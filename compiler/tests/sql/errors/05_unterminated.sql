-- A string that never ends: the text cannot be cut into statements.
SELECT name FROM shop.people;
SELECT 'unterminated;
SELECT 1;
