-- The linked card holder's profession, as the verified certificate names it: "Mon compte" of an establishment
-- account tells a doctor whose CPS is linked how to link an independent doctor's account too.
ALTER TABLE card_links ADD COLUMN holder_profession text;
