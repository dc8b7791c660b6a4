-- The differential data set's tables, in PostgreSQL SQL: the harness runs this
-- file on PostgreSQL as it is, and on Kalavar translated. Text columns use the
-- "C.utf8" collation (glibc's C.UTF-8), so PostgreSQL compares and sorts text by
-- code point, as KQL does, whatever locale its database was created with, and
-- its lower()/upper() map all of Unicode, as KQL's do (under "C" they map ASCII
-- only).
CREATE SCHEMA diff;
CREATE TABLE diff.people (
  id integer PRIMARY KEY,
  name text COLLATE "C.utf8" NOT NULL,
  age integer,
  city text COLLATE "C.utf8",
  score double precision,
  balance numeric(10, 2),
  joined date,
  active boolean
);
CREATE TABLE diff.orders (
  id bigint PRIMARY KEY,
  person_id integer,
  amount numeric(10, 2),
  status text COLLATE "C.utf8",
  qty integer,
  placed timestamptz
);
CREATE TABLE diff.cities (
  name text COLLATE "C.utf8" PRIMARY KEY,
  country text COLLATE "C.utf8",
  population bigint
);
CREATE TABLE diff.tags (
  person_id integer,
  tag text COLLATE "C.utf8",
  PRIMARY KEY (person_id, tag)
);
