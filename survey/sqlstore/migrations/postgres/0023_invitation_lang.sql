-- PostgreSQL form of migrations/sqlite/0023_invitation_lang.sql
-- (types as 0001 says); the notes below are that file's.

-- 0023: the language an invitation was sent in becomes the new account's
-- language for mail (docs/mail.md): someone invited in English receives
-- their reminders and notifications in English from the start, until they
-- choose otherwise on their account page.
ALTER TABLE invitations ADD COLUMN lang TEXT COLLATE "C" NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en'));
