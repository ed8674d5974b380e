/**
 * customers, end to end: the built binary against the emulator, piped (TSV), --json, and in a
 * pseudo-terminal (table, prompts for missing fields, confirmation before delete).
 */
import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { runInPty } from '../helpers/pty.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { cli, cliJson, emulatorEnv, parseTsv } from '../resources/e2e-helpers.js';

const emulator = withEmulator({ seed: { customers: 25 } });

describe('customers without a TTY', () => {
  it('create, get, update, search, list and delete in TSV and JSON', async () => {
    const created = await cliJson<Stripe.Customer>(emulator.current, [
      'customers', 'create', '--email', 'jane@example.com', '--name', 'Jane Doe', '--phone', '+15555550100', '--metadata', 'plan=gold',
    ]);
    expect(created).toMatchObject({ object: 'customer', email: 'jane@example.com', name: 'Jane Doe', metadata: { plan: 'gold' } });
    expect(await stripeFor(emulator.current).customers.retrieve(created.id)).toEqual(created);

    const got = await cli(emulator.current, ['customers', 'get', created.id]);
    expect(got.code).toBe(0);
    expect(parseTsv(got.stdout)).toEqual([
      {
        id: created.id, email: 'jane@example.com', name: 'Jane Doe', created: new Date(created.created * 1000).toISOString().replace('.000Z', 'Z'),
        phone: '+15555550100', description: '', balance: '0', metadata: '{"plan":"gold"}',
      },
    ]);

    const updated = await cliJson<Stripe.Customer>(emulator.current, ['customers', 'update', created.id, '--name', 'Jane Roe', '--metadata', 'plan=', '--metadata', 'tier=2']);
    expect(updated).toMatchObject({ id: created.id, name: 'Jane Roe', metadata: { tier: '2' } });
    expect(updated.metadata.plan).toBeUndefined();

    const searched = await cli(emulator.current, ['customers', 'search', "email:'jane@example.com'"]);
    expect(parseTsv(searched.stdout).map((row) => row.id)).toEqual([created.id]);

    const listed = await cli(emulator.current, ['customers', 'list', '--email', 'jane@example.com', '--format', 'csv']);
    expect(listed.stdout.split('\n')[0]).toBe('id,email,name,created');
    expect(listed.stdout).toContain(`${created.id},jane@example.com,Jane Roe,`);

    const deleted = await cli(emulator.current, ['customers', 'delete', created.id, '--yes', '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: created.id, object: 'customer', deleted: true });
    expect(deleted.stderr).toContain(`Deleted customer ${created.id}.`);
  });

  it('--all --format jsonl streams every customer; --fields picks columns', async () => {
    const all = await cli(emulator.current, ['customers', 'list', '--all', '--format', 'jsonl']);
    const rows = all.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Stripe.Customer);
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(rows.every((row) => row.object === 'customer')).toBe(true);

    const fields = await cli(emulator.current, ['customers', 'list', '--limit', '2', '--fields', 'id,email']);
    expect(fields.stdout.split('\n')[0]).toBe('id\temail');
    expect(parseTsv(fields.stdout)).toEqual(rows.slice(0, 2).map((row) => ({ id: row.id, email: row.email })));
  });

  it('reports a missing customer with Stripe\'s message, code, param and request id, exit 3', async () => {
    const result = await cli(emulator.current, ['customers', 'get', 'cus_doesnotexist']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: Stripe: No such customer: 'cus_doesnotexist' \(type=invalid_request_error, code=resource_missing, param=id, request=req_\w+\)\n$/);
  });

  it('exits 4 on a bad key and 5 when Stripe keeps failing', async () => {
    const auth = await cli(emulator.current, ['customers', 'list', '--api-key', 'sk_test_wrongwrongwrong']);
    expect(auth.code).toBe(4);
    expect(auth.stderr).not.toContain('sk_test_wrongwrongwrong');
    emulator.current.control.injectFaults([{ status: 500, count: 3, path: '/v1/customers', method: 'GET' }]);
    const temporary = await cli(emulator.current, ['customers', 'list', '--limit', '1']);
    expect(temporary.code).toBe(5);
    emulator.current.control.clearFaults();
  });

  it('acts as a connected account with --account', async () => {
    const account = emulator.current.control.createConnectedAccount({ email: 'shop@example.com' }) as { id: string };
    const created = await cliJson<Stripe.Customer>(emulator.current, ['customers', 'create', '--email', 'connected@example.com', '--account', account.id]);
    const asAccount = await cli(emulator.current, ['customers', 'list', '--account', account.id]);
    expect(parseTsv(asAccount.stdout).map((row) => row.id)).toEqual([created.id]);
    const platform = await cli(emulator.current, ['customers', 'list', '--email', 'connected@example.com']);
    expect(parseTsv(platform.stdout)).toEqual([]);
  });
});

describe('customers in a terminal', () => {
  it('prints a table and asks for missing fields', async () => {
    const session = runInPty(['customers', 'create'], { env: emulatorEnv(emulator.current) });
    await session.answer(/Email/, 'tty@example.com\r');
    await session.answer(/Name/, 'Terry Tee\r');
    expect((await session.exit).exitCode).toBe(0);
    expect(session.output()).toMatch(/│ email\s+│ tty@example\.com/);
    const [customer] = (await stripeFor(emulator.current).customers.list({ email: 'tty@example.com' })).data;
    expect(customer).toMatchObject({ name: 'Terry Tee' });

    const list = runInPty(['customers', 'list', '--limit', '3'], { env: emulatorEnv(emulator.current) });
    expect((await list.exit).exitCode).toBe(0);
    expect(list.output()).toMatch(/│ id\s+│ email\s+│ name\s+│ created\s+│/);
    expect(list.output()).toContain(`│ ${customer.id} │ tty@example.com`);
    expect(list.output()).toContain('3 customers');
  });

  it('shows who will be deleted and changes nothing when declined', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ email: 'keep@example.com', name: 'Kim Keep' });
    const declined = runInPty(['customers', 'delete', customer.id], { env: emulatorEnv(emulator.current) });
    await declined.answer(new RegExp(`Delete customer ${customer.id} Kim Keep <keep@example\\.com>\\?`), 'n\r');
    expect((await declined.exit).exitCode).toBe(2);
    expect(declined.output()).toContain('cancelled; nothing was changed');
    expect((await stripe.customers.retrieve(customer.id)).deleted).toBeUndefined();

    const accepted = runInPty(['customers', 'delete', customer.id], { env: emulatorEnv(emulator.current) });
    await accepted.answer(/Delete customer/, 'y\r');
    expect((await accepted.exit).exitCode).toBe(0);
    expect((await stripe.customers.retrieve(customer.id)).deleted).toBe(true);
  });
});
