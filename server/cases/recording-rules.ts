/**
 * The seeds' recording rules as data: for each action kind, whether audio-video is mandatory,
 * recommended or optional, and the clauses that say so, quoted. The case check, the case page and
 * the compliance reports read this one table; test/unit/case-rules.test.ts checks every quote
 * against the seed it cites.
 */
import type { ActionKind, NotRecordedReason } from '../db/schema.ts';
import type { FindingKind } from './findings.ts';

/** Seeds 000–004 (shared/seeds/): 000 溪湖区发改局, 001 清河县市场监管局, 002 高昌区生态环境局, 003 大连金普新区交通运输局, 004 抚顺县人社局. */
export type Seed = '000' | '001' | '002' | '003' | '004';

export interface Clause {
  seed: Seed;
  /** 第N条 */
  article: number;
  /** the clause's own words, verbatim */
  quote: string;
}

export type Requirement = 'mandatory' | 'recommended' | 'optional';

export interface RecordingRule {
  requirement: Requirement;
  clauses: Clause[];
}

/** How findings and pages cite a clause: "001 §11". */
export const cite = (c: Clause): string => `${c.seed} §${c.article}`;

const c = (seed: Seed, article: number, quote: string): Clause => ({ seed, article, quote });

const INSPECTION_SAMPLING_HEARING = [
  c('000', 11, '采取现场检查(勘验)、抽样调查和听证取证方式的,应同时进行音像记录'),
  c('001', 11, '行政执法机关采取现场检查（勘验）、抽样调查和听证取证方式的，应同时进行音像记录'),
  c('003', 12, '行政执法机关采取现场检查(勘验)、抽样调查和听证取证方式的，应同时进行音像记录'),
];
/** 002 §11 names inspection and sampling but not hearings. */
const INSPECTION_SAMPLING_002 = c('002', 11, '执法人员采取现场检查（勘验）、抽样调查方式的，应同时进行音像记录');

const SERVICE_BY_LEAVING = '并采用音像记录等方式记录送达过程';
const SERVICE_BY_NOTICE = '以适当方式进行音像记录，并在案卷中记明原因和经过';
const RESTORATION = '采取排除妨碍、恢复原状强制执行方式的，应同时进行音像记录';
const SUMMARY = '对容易引起行政争议的简易程序执法行为，行政执法机关应采用适当方式进行音像记录';

export const RECORDING_RULES: Record<ActionKind, RecordingRule> = {
  inspection: { requirement: 'mandatory', clauses: [...INSPECTION_SAMPLING_HEARING, INSPECTION_SAMPLING_002] },
  sampling: { requirement: 'mandatory', clauses: [...INSPECTION_SAMPLING_HEARING, INSPECTION_SAMPLING_002] },
  hearing: { requirement: 'mandatory', clauses: INSPECTION_SAMPLING_HEARING },
  seizure: {
    requirement: 'mandatory',
    clauses: [
      c('001', 15, '依法实施查封场所、设施或财物，扣押财物的，还应同时进行音像记录'),
      c('002', 13, '查封、扣押污染防治设施的，应制作法定文书的方式进行文字记录。同时进行音像记录'),
      // 财务 [sic]: the seed's own word.
      c('003', 14, '查封场所、设施或财务，扣押财物的，还应同时进行音像记录'),
      c('004', 10, '对查封扣押财产等涉及重大财产权益的现场执法活动和执法办案场所，要推行全过程音像记录'),
    ],
  },
  service_by_leaving: {
    requirement: 'mandatory',
    clauses: [c('000', 15, SERVICE_BY_LEAVING), c('001', 25, SERVICE_BY_LEAVING), c('002', 23, SERVICE_BY_LEAVING), c('003', 18, SERVICE_BY_LEAVING)],
  },
  service_by_notice: {
    requirement: 'mandatory',
    clauses: [c('000', 15, '以适当方式进行音像记录,并在案卷中记明原因和经过'), c('001', 27, SERVICE_BY_NOTICE), c('002', 25, SERVICE_BY_NOTICE), c('003', 18, SERVICE_BY_NOTICE)],
  },
  restoration: { requirement: 'mandatory', clauses: [c('001', 30, RESTORATION), c('002', 28, RESTORATION), c('003', 21, RESTORATION)] },
  summary_procedure: {
    requirement: 'recommended',
    clauses: [c('001', 22, SUMMARY), c('002', 20, '执法人员应采用适当方式进行音像记录'), c('003', 17, SUMMARY)],
  },
  inquiry: {
    requirement: 'optional',
    clauses: [c('000', 11, '采取其他调查取证方式的,可根据执法需要进行音像记录'), c('001', 11, '采取其他调查取证方式的，可根据执法需要进行音像记录')],
  },
  // The hall camera records acceptance as it happens (001 §5, 004 §16): liuhen treats it as required.
  application_acceptance: {
    requirement: 'mandatory',
    clauses: [c('001', 5, '可在受理地点安装视频监控系统，实时记录受理、办理过程'), c('004', 16, '审批服务大厅安装视频监控系统')],
  },
  other: { requirement: 'optional', clauses: [] },
};

export const ACTION_KINDS = Object.keys(RECORDING_RULES) as ActionKind[];

/** Why a mandated recording was not made (004 §13), each with its words; `other` needs free text. */
export const NOT_RECORDED_REASONS: Record<NotRecordedReason, { zh: string; clause: Clause | null }> = {
  explosive_area: { zh: '在爆炸危险区域实施执法检查未配备符合规定的防爆音像记录设备', clause: c('004', 13, '在爆炸危险区域实施执法检查未配备符合规定的防爆音像记录设备的') },
  state_secret: { zh: '涉及国家秘密', clause: c('004', 13, '涉及国家秘密、商业秘密和个人隐私的') },
  trade_secret: { zh: '涉及商业秘密', clause: c('004', 13, '涉及国家秘密、商业秘密和个人隐私的') },
  privacy: { zh: '涉及个人隐私', clause: c('004', 13, '涉及国家秘密、商业秘密和个人隐私的') },
  other: { zh: '其他不适宜采取音像记录的情形', clause: c('004', 13, '其他不适宜采取音像记录的内容') },
};

export const NOT_RECORDED_REASON_CODES = Object.keys(NOT_RECORDED_REASONS) as NotRecordedReason[];

/** A reason instead of a recording is written down (000 §11, 003 §12). */
export const WRITTEN_REASON_CLAUSES = [c('000', 11, '如不适宜进行音像记录，则需要书面记录原因'), c('003', 12, '不适宜音像记录的除外，但需书面记录原因')];

/** The clauses behind each finding that is not about one action's kind. */
export const FINDING_CLAUSES: Record<Exclude<FindingKind, 'action_unrecorded'>, Clause[]> = {
  gap_without_reason: [c('001', 12, '非因技术原因不得中止录制或断续录制'), c('004', 12, '在同一执法地点不得断续记录')],
  recorded_after_action: [c('001', 12, '录制过程应当自执法人员执法办案时开始，至执法办案结束时止'), c('004', 12, '不得任意选择取舍或事后补录')],
  emergency_approval_late: [c('000', 6, '情况紧急的，可先启动行政执法程序，并在行政执法程序启动后24小时内补报'), c('001', 6, '情况紧急的，可先启动行政执法程序，并在行政执法程序启动后24小时内补报')],
  late_upload: [
    c('000', 19, '应在24小时内按要求将信息储存至执法信息系统或专用储存设备'),
    c('001', 32, '应在24小时内按要求将信息储存至执法信息系统或存储器'),
    c('003', 23, '应在24小时内按要求将信息储存至执法信息系统或本单位专用储存设备'),
  ],
  archive_overdue: [
    c('000', 19, '行政执法人员在行政执法行为终结之日起30日内'),
    c('001', 32, '行政执法人员在行政执法行为终结之日起30日内'),
    c('002', 30, '行政执法人员在行政执法行为终结之日起 30 日内'),
    c('003', 23, '在行政执法行为终结之日起30日内'),
    c('004', 17, '执法人员自结案之日起30日内'),
  ],
};
