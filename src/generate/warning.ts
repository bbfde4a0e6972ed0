// Problems the generator works around instead of failing (the caller turns them into diagnostics).
import type { DiagnosticCode } from '../diag/codes.js';
import type { Span } from '../diag/span.js';

/** Only real diagnostic codes: compile reports each warning under its own code. */
type Codes<T extends DiagnosticCode> = T;

export type GenerateWarningCode = Codes<
  /** A guest NIC needs inbound REJECT but has no MAC or shares it: REJECT is carried out as DROP. */
  | 'inbound-reject-as-drop'
  /** macfilter is on but the NIC has no MAC: no MAC filter for it. */
  | 'no-mac-filter'
>;

export interface GenerateWarning {
  code: GenerateWarningCode;
  message: string;
  vmid: number | null;
  nic: number | null;
  /** `file:line` of the rule concerned, if any. */
  where: string | null;
  /** The rule or NIC config line concerned, for a located diagnostic. */
  span: Span | null;
}

export type WarningSink = (w: GenerateWarning) => void;
