-- The differential data set's tables, in PostgreSQL SQL: the harness runs this
-- file on PostgreSQL as it is, and on Kalavar translated. Text columns use the
-- "C" collation, so PostgreSQL compares and sorts text by bytes, as KQL does,
-- whatever locale its database was created with.
CREATE SCHEMA diff;
CREATE TABLE diff.people (
  id integer PRIMARY KEY,
  name text COLLATE "C" NOT NULL,
  age integer,
  city text COLLATE "C",
  score double precision,
  balance numeric(10, 2),
  joined date,
  active boolean
);
CREATE TABLE diff.orders (
  id bigint PRIMARY KEY,
  person_id integer,
  amount numeric(10, 2),
  status text COLLATE "C",
  qty integer,
  placed timestamptz
);
CREATE TABLE diff.cities (
  name text COLLATE "C" PRIMARY KEY,
  country text COLLATE "C",
  population bigint
);
CREATE TABLE diff.tags (
  person_id integer,
  tag text COLLATE "C",
  PRIMARY KEY (person_id, tag)
);
