import { renderHeader } from './header.ts';
import { applyLanguage } from './i18n.ts';
import { auditPage } from './pages/audit.ts';
import { devicesPage } from './pages/devices.ts';
import { nothingPage } from './pages/nothing.ts';
import { recordingsPage } from './pages/recordings.ts';
import { replayPage } from './pages/replay.ts';
import { signInPage } from './pages/sign-in.ts';
import { wallPage } from './pages/wall.ts';
import { startRouter } from './router.ts';

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
    { pattern: /^\/nothing$/, page: nothingPage },
  ],
  page,
  () => renderHeader(header),
);
