/** What polling a connect session shows: its status, and the accounts or the error it ended with. */
import { type AccountView, accountsWithGrant, viewOfJoined } from '../accounts/views.ts';
import { type ConnectErrorCode, connectErrors } from '../errors/catalog.ts';
import type { Runtime } from '../runtime.ts';
import type { ConnectStatus } from '../storage/schema.ts';
import { findTeam, type TeamScope } from '../teams/teams.ts';
import { findSessionByState, visibleStatus } from './sessions.ts';

export interface ConnectSessionView {
  status: ConnectStatus;
  platform: string;
  expires_at: string;
  accounts?: AccountView[];
  error?: { code: string; message: string };
}

/** The session behind a state token, if the caller's key may see its team. */
export async function pollConnectSession(
  runtime: Runtime,
  scope: TeamScope,
  stateToken: string,
): Promise<ConnectSessionView | undefined> {
  const session = await findSessionByState(runtime, stateToken);
  if (!session || !(await findTeam(runtime.db, scope, session.team_id))) return undefined;
  const status = visibleStatus(session, runtime.now());
  const view: ConnectSessionView = {
    status,
    platform: session.platform,
    expires_at: session.expires_at.toISOString(),
  };
  if (status === 'connected' && session.account_ids.length > 0) {
    const rows = await accountsWithGrant(runtime.db)
      .where('accounts.id', 'in', session.account_ids)
      .orderBy('accounts.id')
      .execute();
    view.accounts = rows.map(viewOfJoined);
  }
  const code = (session.error_code ?? (status === 'expired' ? 'session_expired' : undefined)) as
    | ConnectErrorCode
    | undefined;
  if (code) view.error = { code, message: session.error_message ?? connectErrors[code] ?? code };
  return view;
}
