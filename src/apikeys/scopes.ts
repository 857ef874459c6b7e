/** API key scopes. `admin` includes every other scope; `social:write` includes `social:read`. */
export const SCOPES = ['social:read', 'social:write', 'webhooks:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const IMPLIED: Record<Scope, readonly Scope[]> = {
  admin: SCOPES,
  'social:write': ['social:write', 'social:read'],
  'social:read': ['social:read'],
  'webhooks:write': ['webhooks:write'],
};

export function hasScope(granted: readonly string[], required: Scope): boolean {
  return granted.some((scope) => IMPLIED[scope as Scope]?.includes(required));
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
