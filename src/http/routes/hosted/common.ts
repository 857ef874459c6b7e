/**
 * What every route of the hosted product's API (`/api/v1`) shares: its OpenAPI tag and schemas, the
 * `type` field read as a platform (`TWITTER`, `twitter`), and the social-account schema.
 */
import { Type } from 'typebox';
import { ApiError } from '../../../errors/catalog.ts';
import { platformOfHostedType, servedHostedTypes } from '../../../platforms/hosted.ts';
import type { PlatformModule } from '../../../platforms/types.ts';
import { IdField } from '../../validation.ts';

export const HOSTED_TAG = 'Hosted-product API (/api/v1)';

/** `type` as sent: any case; checked against the served platforms by `platformOfType`. */
export const TypeField = Type.String({
  maxLength: 40,
  description: 'A social-account type: `TWITTER`, `FACEBOOK`, `LINKEDIN`... (lower case accepted).',
});

export const TeamIdField = IdField('team', 'The team (`team_` and 26 characters).');

/** The platform a `type` names; 400 naming `type` (and listing the served types) otherwise. */
export function platformOfType(raw: string, field = 'type'): PlatformModule {
  const found = platformOfHostedType(raw);
  if (found.ok) return found.module;
  const served = servedHostedTypes();
  const shown = JSON.stringify(raw.slice(0, 40));
  const message = found.known
    ? `${shown} is not served by this Portico yet; served types: ${served.join(', ')}`
    : `${shown} is not a social-account type; served types: ${served.join(', ')}`;
  throw new ApiError('VALIDATION_FAILED', `${field}: ${message}`, {
    field,
    issues: [{ field, message, keyword: 'enum' }],
    supported: served,
  });
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const ChannelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  username: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
});

export const SocialAccountSchema = Type.Object(
  {
    id: Type.String({ description: 'The same id as the account on `/v1` (`acc_...`).' }),
    type: Type.String(),
    teamId: Type.String(),
    username: Nullable(Type.String()),
    displayName: Nullable(Type.String()),
    bio: Type.Null(),
    avatarUrl: Nullable(Type.String()),
    externalId: Nullable(Type.String({ description: 'The selected channel; null until one is selected.' })),
    userUsername: Nullable(Type.String()),
    userDisplayName: Nullable(Type.String()),
    userEmail: Type.Null(),
    userId: Type.String({ description: 'The platform user who authorized.' }),
    channels: Type.Array(ChannelSchema, { description: 'Every target the grant can publish to.' }),
    instagramConnectionMethod: Type.Null(),
    mastodonServerId: Nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    deletedAt: Type.Null(),
  },
  { $id: 'SocialAccount' },
);

export const HostedErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    message: Type.String(),
    error: Type.String({ description: 'The catalog code (docs/errors.md).' }),
    issues: Type.Array(
      Type.Object({ code: Type.String(), message: Type.String(), path: Type.Array(Type.String()) }),
    ),
  },
  { $id: 'HostedError' },
);

/** The error responses of a hosted endpoint, for the OpenAPI document. */
export function hostedErrors(...statuses: number[]) {
  return Object.fromEntries([400, 401, 403, 429, ...statuses].map((s) => [s, Type.Ref('HostedError')]));
}
