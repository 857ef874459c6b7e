/**
 * Every event Portico emits, in one place: its meaning, the JSON Schema of its `data`, an example, and
 * the hosted product's name for it where that product has one. The outbox only accepts these types; the
 * OpenAPI document (`webhooks`) and docs/webhooks.md are made from this list, so they cannot drift.
 * Payloads carry ids, public fields and the caller's metadata, never a token.
 */
import { type TSchema, Type } from 'typebox';
import { supportedPlatforms } from '../platforms/registry.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
/** The account's public view: the same object as `GET /v1/social/accounts/{id}` (`Account` in OpenAPI). */
const AccountRef = Type.Ref('Account');

const Account = { account: AccountRef };
const ConnectSession = Type.String({
  description: 'The connect session that made it (its `state_token` is not sent).',
});
const TeamView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  allowed_origins: Type.Array(Type.String()),
  headless_connect: Type.Boolean(),
  created_at: DateTime,
  updated_at: DateTime,
});

/** Examples name a served platform through the registry (platform names live in their modules). */
const EXAMPLE_PLATFORM = supportedPlatforms()[0]!;

const exampleAccount = {
  id: 'acc_01jd8v4c6m0000000000000000',
  team_id: 'team_01jd8v2a1b0000000000000000',
  platform: EXAMPLE_PLATFORM,
  target_type: 'profile',
  platform_account_id: 'u-48213',
  display_name: 'Ada Lovelace',
  username: 'ada',
  avatar_url: null,
  status: 'active',
  paused: false,
  connected_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
  scopes: ['tweet.read', 'users.read', 'offline.access'],
  token_expires_at: '2027-01-24T10:00:00.000Z',
  metadata: { user_id: '42' },
};
const exampleTeam = {
  id: 'team_01jd8v2a1b0000000000000000',
  name: 'Acme',
  allowed_origins: ['https://app.example.com'],
  headless_connect: true,
  created_at: '2026-11-25T09:00:00.000Z',
  updated_at: '2026-11-25T09:00:00.000Z',
};

export interface EventDefinition {
  description: string;
  data: TSchema;
  example: Record<string, unknown>;
  /**
   * The hosted product's event for it (`payload_style: hosted`), delivered only for that product's
   * objects: accounts connected through its surface (one per team and platform) and teams.
   */
  hosted?:
    | 'social-account.created'
    | 'social-account.updated'
    | 'social-account.deleted'
    | 'team.created'
    | 'team.updated'
    | 'team.deleted'
    | 'ping';
}

export const EVENTS = {
  'account.connected': {
    description: 'A connect finished and made this account (one event per account a connect made).',
    data: Type.Object({ ...Account, connect_session_id: ConnectSession }),
    example: { account: exampleAccount, connect_session_id: 'cs_01jd8v3x9k0000000000000000' },
    hosted: 'social-account.created',
  },
  'account.reconnected': {
    description:
      'A reconnect link was completed by the same platform user: the account is usable again, same id.',
    data: Type.Object({ ...Account, connect_session_id: ConnectSession }),
    example: { account: exampleAccount, connect_session_id: 'cs_01jd8v3x9k0000000000000000' },
    hosted: 'social-account.updated',
  },
  'account.updated': {
    description:
      'What the account publishes to changed: a channel (Page, organization...) was selected or unselected on the hosted surface.',
    data: Type.Object({
      ...Account,
      change: Type.Union([Type.Literal('channel_selected'), Type.Literal('channel_unselected')]),
    }),
    example: { account: exampleAccount, change: 'channel_selected' },
    hosted: 'social-account.updated',
  },
  'account.refreshed': {
    description: 'Its token was refreshed (by the refresh worker ahead of expiry, or on a credentials call).',
    data: Type.Object(Account),
    example: { account: exampleAccount },
  },
  'account.refresh_failed': {
    description:
      'A refresh failed for a passing reason (platform down, rate limited); it is retried with backoff.',
    data: Type.Object({
      ...Account,
      reason: Type.String(),
      attempts: Type.Integer(),
      next_attempt_at: DateTime,
    }),
    example: {
      account: exampleAccount,
      reason: 'the token endpoint answered 503',
      attempts: 2,
      next_attempt_at: '2026-11-25T10:02:00.000Z',
    },
  },
  'account.recovered': {
    description: 'A refresh succeeded after failed ones.',
    data: Type.Object({ ...Account, failed_attempts: Type.Integer() }),
    example: { account: exampleAccount, failed_attempts: 3 },
  },
  'account.token_expiring': {
    description:
      'A token that cannot be refreshed expires soon (`PORTICO_TOKEN_EXPIRING_DAYS` ahead): reconnect it before then.',
    data: Type.Object(Account),
    example: { account: exampleAccount },
  },
  'account.token_expired': {
    description:
      'The account needs its user: the platform refused the refresh token, or the token ran out and cannot be refreshed. Send the user to `reconnect_url`.',
    data: Type.Object({
      ...Account,
      reason: Type.String(),
      reconnect_url: Nullable(Type.String({ format: 'uri' })),
      reconnect_expires_at: Nullable(DateTime),
    }),
    example: {
      account: { ...exampleAccount, status: 'needs_reauth' },
      reason: 'The platform refused to refresh the token: invalid_grant',
      reconnect_url: 'https://portico.example.com/connect/cs_...',
      reconnect_expires_at: '2026-11-25T10:15:00.000Z',
    },
    hosted: 'social-account.updated',
  },
  'account.paused': {
    description: 'The account was paused: its credentials are withheld until it is resumed.',
    data: Type.Object(Account),
    example: { account: { ...exampleAccount, paused: true } },
    hosted: 'social-account.updated',
  },
  'account.resumed': {
    description: 'A paused account was resumed.',
    data: Type.Object(Account),
    example: { account: exampleAccount },
    hosted: 'social-account.updated',
  },
  'account.disconnected': {
    description:
      'The account was disconnected (by the API, or replaced by another platform user on the hosted surface); `platform_revoke` says whether the platform revoked the token.',
    data: Type.Object({
      ...Account,
      platform_revoke: Type.Object({
        status: Type.String({
          description:
            '`revoked`; `failed` (with `error`: disconnected anyway); `kept` (another account still uses the authorization); `skipped` (with `reason`: replaced by another platform user).',
        }),
        error: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
      }),
      connect_session_id: Type.Optional(ConnectSession),
    }),
    example: { account: exampleAccount, platform_revoke: { status: 'revoked' } },
    hosted: 'social-account.deleted',
  },
  'connect.failed': {
    description:
      'A connect ended without an account: the user declined, a scope was missing, the platform failed...',
    data: Type.Object({
      connect_session_id: ConnectSession,
      platform: Type.String(),
      error: Type.Object({ code: Type.String(), message: Type.String() }),
      metadata: Type.Record(Type.String(), Type.String()),
    }),
    example: {
      connect_session_id: 'cs_01jd8v3x9k0000000000000000',
      platform: EXAMPLE_PLATFORM,
      error: { code: 'CONNECT_DENIED', message: 'The user declined the authorization' },
      metadata: { user_id: '42' },
    },
  },
  'team.created': {
    description: 'A team was created (on either API).',
    data: Type.Object({ team: TeamView }),
    example: { team: exampleTeam },
    hosted: 'team.created',
  },
  'team.updated': {
    description: 'A team was changed.',
    data: Type.Object({ team: TeamView }),
    example: { team: exampleTeam },
    hosted: 'team.updated',
  },
  'team.deleted': {
    description: 'A team was deleted, with its accounts (no `account.disconnected` follows for them).',
    data: Type.Object({ team: TeamView }),
    example: { team: exampleTeam },
    hosted: 'team.deleted',
  },
  'webhook.disabled': {
    description:
      'An endpoint was turned off after failing for `PORTICO_WEBHOOKS_DISABLE_AFTER`; its deliveries wait until it is turned on again. Sent to the team’s other endpoints.',
    data: Type.Object({
      webhook: Type.Object({ id: Type.String(), url: Type.String() }),
      failing_since: DateTime,
      reason: Type.String(),
    }),
    example: {
      webhook: { id: 'whk_01jd8v4c6m0000000000000000', url: 'https://app.example.com/hooks/portico' },
      failing_since: '2026-11-20T10:00:00.000Z',
      reason: 'every delivery failed for 120 hours (last: 503)',
    },
  },
  ping: {
    description: 'Sent by `POST /v1/webhooks/{id}/test` to that endpoint only.',
    data: Type.Object({ webhook_id: Type.String(), message: Type.String() }),
    example: { webhook_id: 'whk_01jd8v4c6m0000000000000000', message: 'Portico test delivery' },
    hosted: 'ping',
  },
} satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENTS;
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** The hosted product's event names, as an endpoint of that style filters by them. */
export const HOSTED_EVENT_TYPES = [
  ...new Set(
    Object.values(EVENTS as Record<string, EventDefinition>).flatMap((e) => (e.hosted ? [e.hosted] : [])),
  ),
];

export function hostedEventOf(type: EventType): EventDefinition['hosted'] {
  return (EVENTS as Record<string, EventDefinition>)[type]?.hosted;
}

/**
 * The events as OpenAPI 3.1 `webhooks`: what a `portico`-style endpoint receives for each, with its
 * schema and example. References name the API's component schemas (`Account`).
 */
export function openApiWebhooks(): Record<string, never> {
  const entries = Object.entries(EVENTS as Record<string, EventDefinition>).map(([type, event]) => {
    const envelope = {
      type: 'object',
      required: ['id', 'type', 'created_at', 'team_id', 'data'],
      properties: {
        id: { type: 'string', description: 'The event id; also the `webhook-id` header.' },
        type: { const: type },
        created_at: { type: 'string', format: 'date-time' },
        team_id: { type: ['string', 'null'] },
        data: event.data,
      },
    };
    const schema = JSON.parse(
      JSON.stringify(envelope).replaceAll('"$ref":"Account"', '"$ref":"#/components/schemas/Account"'),
    );
    return [
      type,
      {
        post: {
          summary: type,
          description: `${event.description}${event.hosted ? `\n\nHosted style: \`${event.hosted}\` (for that product's objects).` : ''}`,
          tags: ['Webhooks'],
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name,
            in: 'header',
            required: true,
            schema: { type: 'string' },
          })),
          requestBody: {
            content: {
              'application/json': {
                schema,
                example: {
                  id: 'evt_01jd8v4c6m0000000000000000',
                  type,
                  created_at: '2026-11-25T10:00:00.000Z',
                  team_id: 'team_01jd8v2a1b0000000000000000',
                  data: event.example,
                },
              },
            },
          },
          responses: {
            '2XX': { description: 'Received. Any other answer (or none within the timeout) is retried.' },
          },
        },
      },
    ];
  });
  // Plain JSON Schema and OpenAPI objects; the swagger plugin's types cannot see that through TypeBox's.
  return Object.fromEntries(entries) as Record<string, never>;
}
