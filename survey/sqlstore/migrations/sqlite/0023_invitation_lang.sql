-- 0023: the language an invitation was sent in becomes the new account's
-- language for mail (docs/mail.md): someone invited in English receives
-- their reminders and notifications in English from the start, until they
-- choose otherwise on their account page.
ALTER TABLE invitations ADD COLUMN lang TEXT NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en'));
