/** The original integration guide's SQL, verbatim, and plaintext rows as its service wrote them. */
export const GUIDE_SQL = `
-- OAuth token storage table
CREATE TABLE stripe_oauth_tokens (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(255) NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    token_type VARCHAR(50),
    expires_at TIMESTAMP,
    stripe_user_id VARCHAR(255),
    stripe_publishable_key VARCHAR(255),
    scope TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- Create index for faster lookups
CREATE INDEX idx_stripe_user_id ON stripe_oauth_tokens(user_id);
CREATE INDEX idx_stripe_access_token ON stripe_oauth_tokens(access_token);
`;

export const PLANTED = {
  acme: { access: 'sk_test_PLANTEDguideACME000111222', refresh: 'rt_PLANTEDguideACME000111222' },
  beta: { access: 'sk_test_PLANTEDguideBETA000111222', refresh: null },
  betaOld: { access: 'sk_test_PLANTEDguideBETAOLD0001112', refresh: 'rt_PLANTEDguideBETAOLD0001112' },
};

export const GUIDE_ROWS_SQL = `
INSERT INTO stripe_oauth_tokens (user_id, access_token, refresh_token, token_type, expires_at, stripe_user_id, stripe_publishable_key, scope, created_at, updated_at)
VALUES
  ('acme', '${PLANTED.acme.access}', '${PLANTED.acme.refresh}', 'bearer', '2031-01-01 00:00:00', 'acct_1Acme', 'pk_test_acme', 'read_write', '2024-01-01 10:00:00', '2024-01-02 10:00:00'),
  ('beta', '${PLANTED.betaOld.access}', '${PLANTED.betaOld.refresh}', 'bearer', NULL, 'acct_1Beta', NULL, 'read_only', '2023-05-01 10:00:00', '2023-05-01 10:00:00'),
  ('beta', '${PLANTED.beta.access}', NULL, 'bearer', NULL, 'acct_1Beta', NULL, 'read_only', '2024-03-01 10:00:00', '2024-03-01 10:00:00');
`;
