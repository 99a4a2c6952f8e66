import { renderHeader } from './header.ts';
import { applyLanguage } from './i18n.ts';
import { accountGrantsPage } from './pages/account-grants.ts';
import { analyticsPage } from './pages/analytics.ts';
import { approvalsPage } from './pages/approvals.ts';
import { auditPage } from './pages/audit.ts';
import { casePage } from './pages/case.ts';
import { casesPage } from './pages/cases.ts';
import { devicesPage } from './pages/devices.ts';
import { nothingPage } from './pages/nothing.ts';
import { partyPage } from './pages/party.ts';
import { passwordPage } from './pages/password.ts';
import { recordingsPage } from './pages/recordings.ts';
import { replayPage } from './pages/replay.ts';
import { roomPage } from './pages/room.ts';
import { roomsPage } from './pages/rooms.ts';
import { signInPage } from './pages/sign-in.ts';
import { userPage } from './pages/user.ts';
import { usersPage } from './pages/users.ts';
import { wallPage } from './pages/wall.ts';
import { PASSWORD_ROUTE, startRouter } from './router.ts';

const header = document.getElementById('header')!;
const page = document.getElementById('page')!;

applyLanguage();
startRouter(
  [
    { pattern: /^\/sign-in$/, page: signInPage, public: true },
    { pattern: /^\/wall$/, page: wallPage },
    { pattern: /^\/recordings$/, page: recordingsPage },
    { pattern: /^\/replay\/([^/]+)$/, page: replayPage },
    { pattern: /^\/audit$/, page: auditPage },
    { pattern: /^\/devices$/, page: devicesPage },
    { pattern: /^\/cases$/, page: casesPage },
    { pattern: /^\/cases\/([^/]+)$/, page: casePage },
    { pattern: /^\/party$/, page: partyPage },
    { pattern: /^\/approvals$/, page: approvalsPage },
    { pattern: /^\/rooms$/, page: roomsPage },
    { pattern: /^\/rooms\/([^/]+)$/, page: roomPage },
    { pattern: /^\/analytics$/, page: analyticsPage },
    { pattern: /^\/nothing$/, page: nothingPage },
    { pattern: PASSWORD_ROUTE, page: passwordPage },
    { pattern: /^\/users$/, page: usersPage },
    { pattern: /^\/users\/([^/]+)$/, page: userPage },
    { pattern: /^\/account-grants$/, page: accountGrantsPage },
  ],
  page,
  () => renderHeader(header),
);
