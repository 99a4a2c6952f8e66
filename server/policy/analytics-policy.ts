/**
 * Who reads the compliance analytics (数据分析 for 案卷评查, 执法监督, 评议考核; 004 §18–19):
 * the agency head and the legal review office (法制机构) for their own unit, the auditor — who
 * supervises — for every unit or any one. Figures only, never media. Pure, like policy.ts.
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Decision } from './policy.ts';

/** `unit`: the unit asked about; null for every unit. */
export function mayReadAnalytics(v: Viewer, unit: string | null): Decision {
  switch (v.role) {
    case 'auditor':
      return { allow: true };
    case 'agency_head':
    case 'legal':
      if (unit === null) return { allow: false, reason: 'every unit is for auditors' };
      return unit === v.unit ? { allow: true } : { allow: false, reason: 'analytics of another unit' };
    default:
      return { allow: false, reason: `role ${v.role} does not read analytics` };
  }
}

/** The unit a report covers when none is asked for: an auditor's covers every unit, anyone else's their own. */
export function defaultAnalyticsUnit(v: Viewer): string | null {
  return v.role === 'auditor' ? null : v.unit;
}
