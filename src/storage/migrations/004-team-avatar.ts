/** A team's avatar: the hosted product's teams carry one (`avatarUrl`). */
export const statements: string[] = [`alter table teams add column avatar_url text`];
