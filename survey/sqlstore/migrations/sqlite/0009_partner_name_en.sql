-- A partner has a name in each language, as institutions do: Arabic pages
-- show the Arabic name alone, English pages the English one (the Arabic
-- when there is none). Before, the demo wrote "عربي (English)" in one field.
ALTER TABLE initiative_partners ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
