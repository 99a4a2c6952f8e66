/**
 * zh-CN first, English on request. Text that depends on the language is set through `setText` /
 * `setTitle`, which keep the function that produced it: switching language re-runs those
 * functions in place, so pages never re-render (a re-render would tear down players and open new,
 * audited playback sessions).
 */
import { accountsMessages } from './messages/accounts.ts';
import { analyticsMessages } from './messages/analytics.ts';
import { casesMessages } from './messages/cases.ts';
import { devicesMessages } from './messages/devices.ts';
import { keepingMessages } from './messages/keeping.ts';
import { partyMessages } from './messages/party.ts';
import { redactionMessages } from './messages/redaction.ts';
import { retentionMessages } from './messages/retention.ts';

const coreZh = {
  'app.title': '留痕 · 执法音视频证据系统',
  'app.subtitle': '执法音视频证据系统',
  'lang.switch': 'English',
  'nav.wall': '指挥中心',
  'nav.recordings': '录像',
  'nav.audit': '调阅审计',
  'nav.devices': '设备',
  'nav.cases': '案卷',
  'nav.party': '查阅申请',
  'nav.approvals': '审批',
  'nav.rooms': '监督查阅',
  'nav.analytics': '数据分析',
  'header.signOut': '退出登录',

  'role.commander': '指挥中心',
  'role.reviewer': '审看人员',
  'role.custodian': '保管人员',
  'role.auditor': '审计人员',
  'role.admin': '管理员',
  'role.party': '当事人',
  'role.agency_head': '机关负责人',
  'role.legal': '法制审核',

  'signIn.title': '用户登录',
  'signIn.badge': '执法证号',
  'signIn.password': '密码',
  'signIn.submit': '登录',
  'signIn.badCredentials': '执法证号或密码错误。',
  'signIn.locked': '账户已被锁定，请 {minutes} 分钟后再试。',
  'signIn.rateLimited': '尝试过于频繁，请 {seconds} 秒后再试。',

  'nothing.title': '没有可查看的内容',
  'nothing.body': '您的角色（{role}）在本系统中没有可查看的页面。',

  'wall.title': '指挥中心 · 实时画面',
  'wall.empty': '本单位当前没有直播设备。',
  'wall.refreshFailed': '刷新失败：{error}',
  'feed.state.live': '直播中',
  'feed.state.interrupted': '中断',
  'feed.state.offline': '离线',
  'feed.officer': '执法人员',
  'feed.lastSegment': '最新片段',
  'feed.secondsAgo': '{seconds} 秒前',
  'feed.latency': '延迟',
  'feed.seconds': '秒',

  'recordings.title': '录像',
  'recordings.empty': '没有您可以查看的录像。',
  'col.device': '设备',
  'col.officer': '执法人员',
  'col.start': '开始时间',
  'col.end': '结束时间',
  'col.duration': '时长',
  'col.segments': '片段数',
  'col.gaps': '中断',
  'col.state': '状态',
  'col.confidentiality': '保密属性',
  'col.unit': '单位',
  'col.id': '录像编号',
  'rec.state.live': '直播中',
  'rec.state.interrupted': '中断',
  'rec.state.closed': '已结束',
  'conf.state_secret': '国家秘密',
  'conf.trade_secret': '商业秘密',
  'conf.privacy': '个人隐私',

  'replay.title': '回放',
  'replay.back': '← 返回录像列表',
  'replay.fullscreen': '全屏',
  'replay.timeline': '时间轴',
  'replay.marking': '正在加水印…（已完成 {marked}/{segments} 段，完成的部分可先播放）',
  'replay.audio_only': '录音：声音无法携带画面水印，播放的是封存的原始录音；本次收听已记入审计。',
  'replay.audio_still': '录音 · 无画面',
  'replay.photo': '照片：静态照片无法携带隐形取证标记，显示的是封存的原始照片（可见水印照常叠加）；本次查看已记入审计。',
  'gap.device_disconnect': '设备断开',
  'gap.network': '网络',
  'gap.server_restart': '服务重启',
  'gap.device_fault': '设备故障',
  'gap.disk_full': '服务器磁盘已满',
  'gap.store_unavailable': '证据存储不可用',
  'gap.segmenter_failed': '服务器分段故障',
  'gap.node_failover': '录制节点故障，已由其他节点接续',
  'gap.node_handover': '录制已移交其他节点接续',
  'timeline.gap': '中断：{cause}｜{start}｜{duration}',
  'timeline.segment': '片段 {idx}｜{start}｜{duration}',
  'timeline.notice': '告知｜{start}｜{by}',
  'timeline.noticeMark': '告知',
  'timeline.noticeByDevice': '记录仪',
  'timeline.noticeByUser': '用户 {id}',
  'verify.running': '正在校验完整性…',
  'verify.ok': '完整性校验通过',
  'verify.summary': '{segments} 个片段，{gaps} 处中断，{checkpoints} 个检查点',
  'verify.manifest': '，签名清单已核验',
  'verify.failed': '校验失败',
  'verify.problem': '第 {idx} 条：{message}',
  'verify.error': '无法完成校验：{error}',
  'jobs.title': '处理任务',
  'jobs.empty': '暂无处理任务。',
  'jobs.count': '{done}/{total}',
  'jobs.error': '错误：{error}',
  'job.state.waiting': '等待',
  'job.state.active': '处理中',
  'job.state.completed': '完成',
  'job.state.failed': '失败',
  'job.kind.segment.live': '实时墙画面转码',
  'job.kind.segment.derive': '片段水印版本与缩略图',
  'job.kind.recording.derive': '回放水印版本与预览图',
  'job.kind.export.party_copy': '当事人副本',
  'job.kind.export.package': '证据包',

  'player.fatal': '播放出错（{details}）',

  'devices.title': '设备状态',
  'devices.empty': '没有您可以查看的设备。',
  'devices.drift': '{seconds} 秒',
  'col.name': '名称',
  'col.kind': '类型',
  'col.lastSeen': '最后在线',
  'col.battery': '电量',
  'col.storage': '剩余存储',
  'col.clockDrift': '时钟偏差',
  'col.flags': '告警',
  'device.kind.bodycam': '执法记录仪',
  'device.kind.fixed': '固定摄像头',
  'device.state.active': '在用',
  'device.state.revoked': '已停用',
  'flag.clock_drift': '时钟偏差',
  'flag.low_battery': '电量低',
  'flag.low_storage': '存储不足',
  'flag.late_upload': '逾期上传',
  'flag.decode_errors': '解码错误 {count} 处',
  'flag.audio_only': '录音',
  'flag.photo': '照片',

  'audit.title': '调阅审计',
  'audit.viewer': '调阅人（用户 ID）',
  'audit.recording': '录像编号',
  'audit.since': '起始时间（北京时间）',
  'audit.search': '查询',
  'audit.empty': '没有符合条件的记录。',
  'audit.shown': '共 {count} 条（每次最多 {limit} 条）',
  'audit.seq': '序号',
  'audit.at': '时间',
  'audit.actor': '操作人',
  'audit.action': '操作',
  'audit.subject': '对象',
  'audit.outcome': '结果',
  'audit.address': '来源地址',
  'audit.session': '会话',
  'audit.object': '文件',
  'audit.bytes': '字节数',
  'audit.detail': '详情',
  'outcome.ok': '成功',
  'outcome.refused': '拒绝',
  'outcome.error': '错误',

  loading: '加载中…',
  'error.forbidden': '您无权查看此内容。',
  'error.notFound': '未找到。',
  'error.generic': '请求失败（{code}）。',
  'error.network': '无法连接服务器。',
} satisfies Record<string, string>;

const coreEn: Record<keyof typeof coreZh, string> = {
  'app.title': 'Liuhen · Enforcement Evidence',
  'app.subtitle': 'Enforcement evidence',
  'lang.switch': '中文',
  'nav.wall': 'Command center',
  'nav.recordings': 'Recordings',
  'nav.audit': 'Access audit',
  'nav.devices': 'Devices',
  'nav.cases': 'Cases',
  'nav.party': 'View and copy requests',
  'nav.approvals': 'Approvals',
  'nav.rooms': 'Supervised viewing',
  'nav.analytics': 'Analytics',
  'header.signOut': 'Sign out',

  'role.commander': 'Command center',
  'role.reviewer': 'Reviewer',
  'role.custodian': 'Custodian',
  'role.auditor': 'Auditor',
  'role.admin': 'Administrator',
  'role.party': 'Party concerned',
  'role.agency_head': 'Agency head',
  'role.legal': 'Legal review',

  'signIn.title': 'Sign in',
  'signIn.badge': 'Badge number',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.badCredentials': 'Wrong badge number or password.',
  'signIn.locked': 'This account is locked. Try again in {minutes} min.',
  'signIn.rateLimited': 'Too many attempts. Try again in {seconds} s.',

  'nothing.title': 'Nothing to view',
  'nothing.body': 'Your role ({role}) has no pages to view in this system.',

  'wall.title': 'Command center · Live',
  'wall.empty': 'No device of your unit is live.',
  'wall.refreshFailed': 'Refresh failed: {error}',
  'feed.state.live': 'Live',
  'feed.state.interrupted': 'Interrupted',
  'feed.state.offline': 'Offline',
  'feed.officer': 'Officer',
  'feed.lastSegment': 'Last segment',
  'feed.secondsAgo': '{seconds} s ago',
  'feed.latency': 'Latency',
  'feed.seconds': 's',

  'recordings.title': 'Recordings',
  'recordings.empty': 'There are no recordings you may view.',
  'col.device': 'Device',
  'col.officer': 'Officer',
  'col.start': 'Start',
  'col.end': 'End',
  'col.duration': 'Duration',
  'col.segments': 'Segments',
  'col.gaps': 'Gaps',
  'col.state': 'State',
  'col.confidentiality': 'Confidentiality',
  'col.unit': 'Unit',
  'col.id': 'Recording ID',
  'rec.state.live': 'Live',
  'rec.state.interrupted': 'Interrupted',
  'rec.state.closed': 'Closed',
  'conf.state_secret': 'State secret',
  'conf.trade_secret': 'Trade secret',
  'conf.privacy': 'Personal privacy',

  'replay.title': 'Replay',
  'replay.back': '← Back to recordings',
  'replay.fullscreen': 'Full screen',
  'replay.timeline': 'Timeline',
  'replay.marking': 'Marking… ({marked} of {segments} segments done; what is done plays now)',
  'replay.audio_only': 'Audio recording: sound cannot carry the picture watermark, so the sealed original plays; this listening is in the audit log.',
  'replay.audio_still': 'Audio recording · no picture',
  'replay.photo': 'Photo: a still picture cannot carry the hidden forensic mark, so the sealed original is shown (under the visible watermark); this viewing is in the audit log.',
  'gap.device_disconnect': 'Device disconnected',
  'gap.network': 'Network',
  'gap.server_restart': 'Server restart',
  'gap.device_fault': 'Device fault',
  'gap.disk_full': 'Server disk full',
  'gap.store_unavailable': 'Evidence store unavailable',
  'gap.segmenter_failed': 'Server segmenter failure',
  'gap.node_failover': 'Recording node failed; another node continued',
  'gap.node_handover': 'Recording handed over to another node',
  'timeline.gap': 'Gap: {cause} | {start} | {duration}',
  'timeline.segment': 'Segment {idx} | {start} | {duration}',
  'timeline.notice': 'Party notified | {start} | {by}',
  'timeline.noticeMark': 'Notice',
  'timeline.noticeByDevice': 'the camera',
  'timeline.noticeByUser': 'user {id}',
  'verify.running': 'Verifying integrity…',
  'verify.ok': 'Integrity verified',
  'verify.summary': '{segments} segments, {gaps} gaps, {checkpoints} checkpoints',
  'verify.manifest': ', signed manifest checked',
  'verify.failed': 'Verification failed',
  'verify.problem': 'Entry {idx}: {message}',
  'verify.error': 'Could not verify: {error}',
  'jobs.title': 'Processing',
  'jobs.empty': 'No jobs yet.',
  'jobs.count': '{done} of {total}',
  'jobs.error': 'Error: {error}',
  'job.state.waiting': 'Waiting',
  'job.state.active': 'Processing',
  'job.state.completed': 'Done',
  'job.state.failed': 'Failed',
  'job.kind.segment.live': 'Live wall rendition',
  'job.kind.segment.derive': 'Segment watermark variants and thumbnails',
  'job.kind.recording.derive': 'Replay watermark variants and previews',
  'job.kind.export.party_copy': 'Party copy',
  'job.kind.export.package': 'Evidence package',

  'player.fatal': 'Playback error ({details})',

  'devices.title': 'Devices',
  'devices.empty': 'There are no devices you may view.',
  'devices.drift': '{seconds} s',
  'col.name': 'Name',
  'col.kind': 'Kind',
  'col.lastSeen': 'Last seen',
  'col.battery': 'Battery',
  'col.storage': 'Free storage',
  'col.clockDrift': 'Clock drift',
  'col.flags': 'Warnings',
  'device.kind.bodycam': 'Body camera',
  'device.kind.fixed': 'Fixed camera',
  'device.state.active': 'In service',
  'device.state.revoked': 'Revoked',
  'flag.clock_drift': 'Clock drift',
  'flag.low_battery': 'Low battery',
  'flag.low_storage': 'Low storage',
  'flag.late_upload': 'Late upload',
  'flag.decode_errors': '{count} decode errors',
  'flag.audio_only': 'Audio',
  'flag.photo': 'Photo',

  'audit.title': 'Access audit',
  'audit.viewer': 'Viewer (user ID)',
  'audit.recording': 'Recording ID',
  'audit.since': 'Since (Beijing time)',
  'audit.search': 'Search',
  'audit.empty': 'No matching events.',
  'audit.shown': '{count} events (at most {limit} per search)',
  'audit.seq': 'Seq',
  'audit.at': 'Time',
  'audit.actor': 'Actor',
  'audit.action': 'Action',
  'audit.subject': 'Subject',
  'audit.outcome': 'Outcome',
  'audit.address': 'Address',
  'audit.session': 'Session',
  'audit.object': 'Object',
  'audit.bytes': 'Bytes',
  'audit.detail': 'Detail',
  'outcome.ok': 'OK',
  'outcome.refused': 'Refused',
  'outcome.error': 'Error',

  loading: 'Loading…',
  'error.forbidden': 'You are not permitted to view this.',
  'error.notFound': 'Not found.',
  'error.generic': 'Request failed ({code}).',
  'error.network': 'Cannot reach the server.',
};

// Each page family keeps its messages in player/src/messages/.
const zh = {
  ...coreZh,
  ...casesMessages.zh,
  ...partyMessages.zh,
  ...redactionMessages.zh,
  ...analyticsMessages.zh,
  ...accountsMessages.zh,
  ...devicesMessages.zh,
  ...keepingMessages.zh,
  ...retentionMessages.zh,
};
const en: Record<MessageKey, string> = {
  ...coreEn,
  ...casesMessages.en,
  ...partyMessages.en,
  ...redactionMessages.en,
  ...analyticsMessages.en,
  ...accountsMessages.en,
  ...devicesMessages.en,
  ...keepingMessages.en,
  ...retentionMessages.en,
};

export type MessageKey = keyof typeof zh;

export type Lang = 'zh-CN' | 'en';

const STORAGE_KEY = 'liuhen.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en };

let current: Lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return dictionaries[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Whether `key` names a message, for codes that come from the server (states, causes, outcomes). */
export function hasMessage(key: string): key is MessageKey {
  return key in zh;
}

const textOf = new WeakMap<Element, () => string>();
const titleOf = new WeakMap<Element, () => string>();

/** Sets `el`'s text now and again on every language switch. `el` must hold text only. */
export function setText(el: HTMLElement, text: () => string): void {
  textOf.set(el, text);
  el.setAttribute('data-i18n', '');
  el.textContent = text();
}

export function setTitle(el: HTMLElement, title: () => string): void {
  titleOf.set(el, title);
  el.setAttribute('data-i18n-title', '');
  el.title = title();
}

/** A span holding one message. */
export function label(key: MessageKey): HTMLSpanElement {
  const span = document.createElement('span');
  setText(span, () => t(key));
  return span;
}

export function applyLanguage(): void {
  document.documentElement.lang = current;
  document.title = t('app.title');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const text = textOf.get(el);
    if (text) el.textContent = text();
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    const title = titleOf.get(el);
    if (title) el.title = title();
  }
}

export function toggleLanguage(): void {
  current = current === 'zh-CN' ? 'en' : 'zh-CN';
  localStorage.setItem(STORAGE_KEY, current);
  applyLanguage();
}
