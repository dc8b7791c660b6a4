-- The tables the corpus statements use; the translator reads this first.
CREATE SCHEMA shop;
CREATE TABLE shop.people (
  id integer PRIMARY KEY,
  name text NOT NULL,
  age integer,
  city text,
  score double precision,
  joined date,
  active boolean DEFAULT true
);
CREATE TABLE shop.orders (
  id bigint PRIMARY KEY,
  person_id integer,
  amount numeric(10, 2),
  status text DEFAULT 'new',
  note text,
  created timestamptz DEFAULT now()
);
CREATE TABLE shop.cities (name text PRIMARY KEY, country text, population bigint);
CREATE TABLE shop.tags (person_id integer, tag text, PRIMARY KEY (person_id, tag));
CREATE SCHEMA chat;
CREATE TABLE chat.messages (
  id bigint PRIMARY KEY,
  conversation_id bigint NOT NULL,
  role text,
  content text,
  created_at timestamptz DEFAULT now()
) WITH (kind = 'user');
CREATE SCHEMA kv;
CREATE TABLE kv.settings (key text PRIMARY KEY, value text, updated timestamptz);
CREATE TABLE kv.hits (id bigint PRIMARY KEY DEFAULT 1, n bigint DEFAULT 0);
