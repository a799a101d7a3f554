// A follow-up as followup_list returns it (crates/store followups::FollowUp; generated, so a
// drift fails `npm run check`). Times are ms since the Unix epoch.
export type { FollowUp } from '../backend/generated/types';
