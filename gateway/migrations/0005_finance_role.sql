-- The finance role: issues invoices, records payments and credit notes.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'sales', 'support', 'marketing', 'finance', 'readonly'));
