/**
 * The account behind the key (GET /v1/account), the platform's connected accounts, and the balance.
 */
import { SYSTEM_SCOPE, type ApiContext } from '../engine.js';
import { noSuch, permissionDenied } from '../errors.js';
import { listObjects } from '../list.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import type { ChargeRecord } from './charges.js';

function renderAccount(ctx: ApiContext, account: StoredObject): Record<string, unknown> {
  return { ...render(account), livemode: ctx.livemode };
}

function requirePlatform(ctx: ApiContext): void {
  if (ctx.accountId !== ctx.engine.keys.platformAccountId) {
    throw permissionDenied('Only the platform can list or retrieve its connected accounts.', 'account_invalid');
  }
}

interface BalanceAmount {
  amount: number;
  currency: string;
  source_types: { card: number };
}

/** The balance is derived from charges: captured amounts less refunds, per currency. */
function balanceFor(ctx: ApiContext): Record<string, unknown> {
  const byCurrency = new Map<string, number>();
  for (const charge of ctx.engine.store.walk<ChargeRecord>(ctx.scope, 'charge')) {
    if (charge.status !== 'succeeded') continue;
    byCurrency.set(charge.currency, (byCurrency.get(charge.currency) ?? 0) + charge.amount_captured - charge.amount_refunded);
  }
  if (byCurrency.size === 0) byCurrency.set('usd', 0);
  const amounts: BalanceAmount[] = [...byCurrency].map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } }));
  return {
    object: 'balance',
    available: amounts,
    connect_reserved: amounts.map((entry) => ({ amount: 0, currency: entry.currency })),
    livemode: ctx.livemode,
    pending: amounts.map((entry) => ({ amount: 0, currency: entry.currency, source_types: { card: 0 } })),
    refund_and_dispute_prefunding: {
      available: amounts.map((entry) => ({ amount: 0, currency: entry.currency })),
      pending: amounts.map((entry) => ({ amount: 0, currency: entry.currency })),
    },
  };
}

export function registerAccount(router: Router): void {
  router.get('/v1/account', (ctx) => {
    const account = ctx.engine.account(ctx.accountId);
    if (!account) throw noSuch('account', ctx.accountId);
    return renderAccount(ctx, account);
  });

  router.get('/v1/accounts/:id', (ctx) => {
    requirePlatform(ctx);
    const account = ctx.engine.account(ctx.path.id);
    if (!account || (account._connected !== true && account.id !== ctx.accountId)) throw noSuch('account', ctx.path.id, 'account');
    return renderAccount(ctx, account);
  });

  router.get('/v1/accounts', (ctx) => {
    requirePlatform(ctx);
    return listObjects<StoredObject>(ctx, { type: 'account', url: '/v1/accounts', scope: SYSTEM_SCOPE, filter: (account) => account._connected === true });
  });

  router.get('/v1/balance', (ctx) => balanceFor(ctx));
}
