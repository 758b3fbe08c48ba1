-- PostgreSQL form of migrations/sqlite/0009_partner_name_en.sql
-- (types as 0001 says); the notes below are that file's.

-- A partner has a name in each language, as institutions do: Arabic pages
-- show the Arabic name alone, English pages the English one (the Arabic
-- when there is none). Before, the demo wrote "عربي (English)" in one field.
ALTER TABLE initiative_partners ADD COLUMN name_en TEXT COLLATE "C" NOT NULL DEFAULT '';
