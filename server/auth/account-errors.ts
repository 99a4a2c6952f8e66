/** Refusals that come from an account's state or rules, each telling the person what to do. */
import { ExplainedRefusal, LiuhenError, StateConflict } from '../errors.ts';

/** A one-time password in use: until it is changed, the session reaches only /me, /me/password, refresh and sign-out. */
export class PasswordChangeRequired extends ExplainedRefusal {
  constructor() {
    super('password_change_required', 'change the one-time password first (请先修改初始密码)');
  }
}

export class AccountDisabled extends ExplainedRefusal {
  constructor() {
    super('account_disabled', 'this account is disabled (账号已停用)');
  }
}

export class AwaitingApproval extends ExplainedRefusal {
  constructor() {
    super('awaiting_approval', 'this account awaits a security officer’s approval (账号待安全管理员审批)');
  }
}

/** The session saw no authenticated request for the idle time: its access and refresh tokens are done. */
export class SessionIdle extends ExplainedRefusal {
  constructor() {
    super('session_idle', 'signed out after inactivity; sign in again (长时间未操作，已退出登录)');
  }
}

export class WrongPassword extends ExplainedRefusal {
  constructor() {
    super('wrong_password', 'the current password is wrong (当前密码错误)');
  }
}

/** Disabling or demoting the last active security officer would leave no one to approve, and the operator's shell acting alone. */
export class LastSecurityOfficer extends StateConflict {
  constructor() {
    super('last_security_officer', 'the last active security officer cannot be disabled or given another role; approve a second one first (须保留至少一名安全管理员)');
  }
}

export class GrantDecided extends StateConflict {
  constructor(id: string) {
    super('grant_decided', `grant ${id} is already decided`);
  }
}

export class GrantNotFound extends LiuhenError {
  constructor(id: string) {
    super('grant_not_found', `no such grant: ${id}`);
  }
}

/** Enabling an account that is not disabled. */
export class AccountNotDisabled extends StateConflict {
  constructor(id: string) {
    super('account_not_disabled', `account ${id} is not disabled`);
  }
}
