// Generated from crates/api/src/rpc.rs by crates/api/tests/bindings.rs. Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p switchboard-api --test bindings

import type { AccountInfo, AccountNameParams, AddBlueskyParams, AddEmailParams, AddMastodonAccountParams, AddOAuthAccountParams, AddOAuthAccountResult, Alert, AlertIdParams, AlertsListParams, AlertsListResult, AlertsMarkNotifiedParams, AlertsMarkNotifiedResult, AlertsScanParams, CaseAddNoteParams, CaseDetail, CaseHistory, CaseIdParams, CaseInsights, CaseInsightsParams, CaseLabelParams, CaseLinkParams, CaseLogCallParams, CaseLogCallResult, CaseMergeParams, CaseOfflineParams, CaseOfflineResult, CaseSetAutomatedParams, CaseSetAutomatedResult, CaseSetPriorityParams, CaseSetPriorityResult, CaseSetReasonParams, CaseSetReasonResult, CaseSnoozeParams, CaseSnoozeResult, CaseSplitParams, CaseTagRootCauseParams, CaseTimeline, CaseWakeDueResult, ChannelLimits, ChannelLimitsParams, ChannelReport, ContactDetail, ContactFlags, ContactIdParams, ContactMergeOutcome, ContactMergeParams, ContactSetFlagsParams, ContactSplitOutcome, ContactSplitParams, ContactSuggestion, ContactSuggestionsParams, CustomerReport, DemoStartParams, FixReport, FlushReport, FollowUp, FollowupAddParams, FollowupDoneResult, FollowupIdParams, FollowupListParams, FollowupListResult, FollowupMarkNotifiedParams, FollowupMarkNotifiedResult, HoursGetParams, ImportJob, ImportJobParams, ImportStartParams, Label, LabelResult, LinkOutcome, ListCasesParams, ListCasesResult, MastodonAccountResult, MastodonSignInBeginParams, MastodonSignInBeginResult, MastodonSignInFinishParams, MergeOutcome, NoParams, NoteView, OutboxEntry, OutboxFlushParams, OutboxIdParams, OutboxListParams, ProtocolDeleteResult, ProtocolExportParams, ProtocolExportResult, ProtocolImportParams, ProtocolImportResult, ProtocolListParams, ProtocolListResult, ProtocolMoveParams, ProtocolSaveParams, ProtocolSaveResult, ProtocolTestParams, ProtocolTestResult, ReplyParams, ReplyResult, ReportFixParams, ReportRange, ReportRootCausesParams, ResponseSettings, RootCause, RootCauseAddParams, RootCauseArchiveParams, RootCauseMergeOutcome, RootCauseMergeParams, RootCauseMoveParams, RootCauseRenameParams, RootCauseSetStatusParams, RootCauseSetStatusResult, RootCauseTrends, RuleIdParams, ScanReport, SearchParams, SearchResult, SelfAddressChange, SelfAddressList, SelfAddressParams, SetStatusParams, SetStatusResult, Setting, SettingsGetParams, SettingsGetResult, SettingsSetParams, SlaListParams, SlaListResult, SlaSweepParams, SlaSweepResult, SplitOutcome, TagResult, Template, TemplateDeleteParams, TemplateListResult, TemplateNameParams, TemplateRenderParams, TemplateRenderResult, TemplateSaveParams, UndoLastParams, UndoOutcome, WorkspaceStatus } from './types';

/** Every command of the table: `backend.call(name, params)` resolves to `result`. */
export interface Commands {
  account_list: { params: NoParams; result: Array<AccountInfo> };
  account_remove: { params: AccountNameParams; result: null };
  account_add_email: { params: AddEmailParams; result: AccountInfo };
  account_add_oauth: { params: AddOAuthAccountParams; result: AddOAuthAccountResult };
  account_self_add: { params: SelfAddressParams; result: SelfAddressChange };
  account_self_list: { params: NoParams; result: SelfAddressList };
  account_self_remove: { params: SelfAddressParams; result: SelfAddressChange };
  alerts_ack: { params: AlertIdParams; result: Alert };
  alerts_list: { params: AlertsListParams; result: AlertsListResult };
  alerts_mark_notified: { params: AlertsMarkNotifiedParams; result: AlertsMarkNotifiedResult };
  alerts_scan: { params: AlertsScanParams; result: ScanReport };
  alerts_show: { params: AlertIdParams; result: Alert };
  alerts_unnotified: { params: NoParams; result: Array<Alert> };
  case_add_note: { params: CaseAddNoteParams; result: NoteView };
  case_label: { params: CaseLabelParams; result: LabelResult };
  case_list: { params: ListCasesParams; result: ListCasesResult };
  case_search: { params: SearchParams; result: SearchResult };
  case_set_automated: { params: CaseSetAutomatedParams; result: CaseSetAutomatedResult };
  case_set_priority: { params: CaseSetPriorityParams; result: CaseSetPriorityResult };
  case_set_reason: { params: CaseSetReasonParams; result: CaseSetReasonResult };
  case_set_status: { params: SetStatusParams; result: SetStatusResult };
  case_show: { params: CaseIdParams; result: CaseDetail };
  case_snooze: { params: CaseSnoozeParams; result: CaseSnoozeResult };
  case_tag_root_cause: { params: CaseTagRootCauseParams; result: TagResult };
  case_wake_due: { params: NoParams; result: CaseWakeDueResult };
  demo_remove: { params: NoParams; result: WorkspaceStatus };
  demo_start: { params: DemoStartParams; result: WorkspaceStatus };
  workspace_status: { params: NoParams; result: WorkspaceStatus };
  followup_add: { params: FollowupAddParams; result: FollowUp };
  followup_delete: { params: FollowupIdParams; result: FollowUp };
  followup_done: { params: FollowupIdParams; result: FollowupDoneResult };
  followup_due_unnotified: { params: NoParams; result: Array<FollowUp> };
  followup_list: { params: FollowupListParams; result: FollowupListResult };
  followup_mark_notified: { params: FollowupMarkNotifiedParams; result: FollowupMarkNotifiedResult };
  case_link: { params: CaseLinkParams; result: LinkOutcome };
  case_merge: { params: CaseMergeParams; result: MergeOutcome };
  case_split: { params: CaseSplitParams; result: SplitOutcome };
  case_timeline: { params: CaseIdParams; result: CaseTimeline };
  case_unlink: { params: CaseLinkParams; result: SplitOutcome };
  contact_merge: { params: ContactMergeParams; result: ContactMergeOutcome };
  contact_set_flags: { params: ContactSetFlagsParams; result: ContactFlags };
  contact_show: { params: ContactIdParams; result: ContactDetail };
  contact_split: { params: ContactSplitParams; result: ContactSplitOutcome };
  contact_suggestions: { params: ContactSuggestionsParams; result: Array<ContactSuggestion> };
  case_history: { params: CaseIdParams; result: CaseHistory };
  undo_last: { params: UndoLastParams; result: UndoOutcome };
  hours_get: { params: HoursGetParams; result: ResponseSettings };
  hours_set: { params: ResponseSettings; result: ResponseSettings };
  import_start: { params: ImportStartParams; result: ImportJob };
  import_status: { params: ImportJobParams; result: ImportJob };
  account_add_mastodon: { params: AddMastodonAccountParams; result: MastodonAccountResult };
  mastodon_sign_in_begin: { params: MastodonSignInBeginParams; result: MastodonSignInBeginResult };
  mastodon_sign_in_finish: { params: MastodonSignInFinishParams; result: MastodonAccountResult };
  outbox_discard: { params: OutboxIdParams; result: OutboxEntry };
  outbox_flush: { params: OutboxFlushParams; result: FlushReport };
  outbox_list: { params: OutboxListParams; result: Array<OutboxEntry> };
  outbox_retry: { params: OutboxIdParams; result: OutboxEntry };
  case_log_call: { params: CaseLogCallParams; result: CaseLogCallResult };
  case_offline: { params: CaseOfflineParams; result: CaseOfflineResult };
  case_insights: { params: CaseInsightsParams; result: CaseInsights };
  protocol_delete: { params: RuleIdParams; result: ProtocolDeleteResult };
  protocol_export: { params: ProtocolExportParams; result: ProtocolExportResult };
  protocol_import: { params: ProtocolImportParams; result: ProtocolImportResult };
  protocol_list: { params: ProtocolListParams; result: ProtocolListResult };
  protocol_move: { params: ProtocolMoveParams; result: ProtocolListResult };
  protocol_save: { params: ProtocolSaveParams; result: ProtocolSaveResult };
  protocol_test: { params: ProtocolTestParams; result: ProtocolTestResult };
  sla_list: { params: SlaListParams; result: SlaListResult };
  sla_sweep: { params: SlaSweepParams; result: SlaSweepResult };
  reply_create: { params: ReplyParams; result: ReplyResult };
  report_channels: { params: ReportRange; result: ChannelReport };
  report_customers: { params: ReportRange; result: CustomerReport };
  report_fix: { params: ReportFixParams; result: FixReport };
  report_root_causes: { params: ReportRootCausesParams; result: RootCauseTrends };
  label_list: { params: NoParams; result: Array<Label> };
  root_cause_add: { params: RootCauseAddParams; result: RootCause };
  root_cause_archive: { params: RootCauseArchiveParams; result: RootCause };
  root_cause_list: { params: NoParams; result: Array<RootCause> };
  root_cause_merge: { params: RootCauseMergeParams; result: RootCauseMergeOutcome };
  root_cause_move: { params: RootCauseMoveParams; result: RootCause };
  root_cause_rename: { params: RootCauseRenameParams; result: RootCause };
  root_cause_set_status: { params: RootCauseSetStatusParams; result: RootCauseSetStatusResult };
  settings_get: { params: SettingsGetParams; result: SettingsGetResult };
  settings_set: { params: SettingsSetParams; result: Setting };
  account_add_bluesky: { params: AddBlueskyParams; result: AccountInfo };
  channel_limits: { params: ChannelLimitsParams; result: ChannelLimits };
  template_delete: { params: TemplateDeleteParams; result: Template };
  template_list: { params: NoParams; result: TemplateListResult };
  template_render: { params: TemplateRenderParams; result: TemplateRenderResult };
  template_save: { params: TemplateSaveParams; result: Template };
  template_show: { params: TemplateNameParams; result: Template };
}

export type CommandName = keyof Commands;

/** Every command name, in table order. */
export const COMMAND_NAMES: readonly CommandName[] = [
  'account_list',
  'account_remove',
  'account_add_email',
  'account_add_oauth',
  'account_self_add',
  'account_self_list',
  'account_self_remove',
  'alerts_ack',
  'alerts_list',
  'alerts_mark_notified',
  'alerts_scan',
  'alerts_show',
  'alerts_unnotified',
  'case_add_note',
  'case_label',
  'case_list',
  'case_search',
  'case_set_automated',
  'case_set_priority',
  'case_set_reason',
  'case_set_status',
  'case_show',
  'case_snooze',
  'case_tag_root_cause',
  'case_wake_due',
  'demo_remove',
  'demo_start',
  'workspace_status',
  'followup_add',
  'followup_delete',
  'followup_done',
  'followup_due_unnotified',
  'followup_list',
  'followup_mark_notified',
  'case_link',
  'case_merge',
  'case_split',
  'case_timeline',
  'case_unlink',
  'contact_merge',
  'contact_set_flags',
  'contact_show',
  'contact_split',
  'contact_suggestions',
  'case_history',
  'undo_last',
  'hours_get',
  'hours_set',
  'import_start',
  'import_status',
  'account_add_mastodon',
  'mastodon_sign_in_begin',
  'mastodon_sign_in_finish',
  'outbox_discard',
  'outbox_flush',
  'outbox_list',
  'outbox_retry',
  'case_log_call',
  'case_offline',
  'case_insights',
  'protocol_delete',
  'protocol_export',
  'protocol_import',
  'protocol_list',
  'protocol_move',
  'protocol_save',
  'protocol_test',
  'sla_list',
  'sla_sweep',
  'reply_create',
  'report_channels',
  'report_customers',
  'report_fix',
  'report_root_causes',
  'label_list',
  'root_cause_add',
  'root_cause_archive',
  'root_cause_list',
  'root_cause_merge',
  'root_cause_move',
  'root_cause_rename',
  'root_cause_set_status',
  'settings_get',
  'settings_set',
  'account_add_bluesky',
  'channel_limits',
  'template_delete',
  'template_list',
  'template_render',
  'template_save',
  'template_show',
];
