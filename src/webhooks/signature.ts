/**
 * Stripe-Signature: verification with stripe-node's own code (loaded lazily; `Stripe.webhooks` is
 * static, so no API key is needed), and signing for forwards, replays and triggers.
 *
 * Only `v1` signatures count (stripe-node ignores `v0` and any other scheme). A header may carry
 * several v1 signatures while Stripe rolls a secret, and a listener may hold several secrets while
 * the operator rolls one: any v1 matching any secret is accepted.
 */
import { createHmac } from 'node:crypto';
import { loadStripe } from '../stripe/load.js';

export type VerifyFailure = 'missing_header' | 'no_v1_signature' | 'timestamp_outside_tolerance' | 'signature_mismatch';

export interface VerifyResult {
  ok: boolean;
  /** For the log only: the client gets a generic 400. */
  reason?: VerifyFailure;
  detail?: string;
}

export interface Verifier {
  verify(payload: Buffer, header: string | undefined, receivedAtMs: number): VerifyResult;
}

/** Builds a verifier over stripe-node's signature module; `toleranceSeconds` 0 disables the age check. */
export async function createVerifier(secrets: string[], toleranceSeconds: number): Promise<Verifier> {
  const Stripe = await loadStripe();
  const signature = Stripe.webhooks.signature!;
  return {
    verify(payload, header, receivedAtMs) {
      if (!header) return { ok: false, reason: 'missing_header' };
      if (!/(^|,)\s*v1=/.test(header)) return { ok: false, reason: 'no_v1_signature' };
      let stale: string | undefined;
      let last: string | undefined;
      for (const secret of secrets) {
        try {
          // A tolerance of 0 disables stripe-node's age check, so it is never passed as 0 by accident.
          signature.verifyHeader(payload, header, secret, toleranceSeconds, undefined, receivedAtMs);
          return { ok: true };
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          // stripe-node checks the HMAC first, so a tolerance error means the signature matched this secret.
          if (/tolerance/i.test(message)) stale = message;
          else last = message;
        }
      }
      if (stale) return { ok: false, reason: 'timestamp_outside_tolerance', detail: stale.split('\n')[0] };
      return { ok: false, reason: 'signature_mismatch', detail: last?.split('\n')[0] };
    },
  };
}

/** `t=...,v1=...` for a payload, signed now (forwarding re-signs with a fresh timestamp). */
export function signPayload(payload: Buffer | string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(payload).digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

/** One header with a v1 signature per secret: what Stripe sends while a secret is being rolled. */
export function signPayloadMulti(payload: Buffer | string, secrets: string[], timestampSeconds: number): string {
  const parts = secrets.map((secret) => createHmac('sha256', secret).update(`${timestampSeconds}.`).update(payload).digest('hex'));
  return [`t=${timestampSeconds}`, ...parts.map((part) => `v1=${part}`)].join(',');
}
