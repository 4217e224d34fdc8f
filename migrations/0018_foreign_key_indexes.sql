-- Every foreign key gets an index (tests/test_schema.py checks): deleting the row a key points at, as a
-- withdrawal deletes a contribution and everything derived from it, then finds the rows that refer to it
-- without scanning their table. Nullable keys get partial indexes: only the rows that refer to something.

CREATE INDEX approvals_recorded_by_fk ON approvals (recorded_by) WHERE recorded_by IS NOT NULL;
CREATE INDEX ballot_ratings_proposition_id_fk ON ballot_ratings (proposition_id);
CREATE INDEX board_events_contribution_id_fk ON board_events (contribution_id) WHERE contribution_id IS NOT NULL;
CREATE INDEX boards_framework_id_fk ON boards (framework_id) WHERE framework_id IS NOT NULL;
CREATE INDEX boards_owner_id_fk ON boards (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX community_assets_created_by_fk ON community_assets (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX community_assets_programme_fk ON community_assets (programme) WHERE programme IS NOT NULL;
CREATE INDEX consensus_rounds_created_by_fk ON consensus_rounds (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX consensus_rounds_programme_fk ON consensus_rounds (programme);
CREATE INDEX contribution_analyses_framework_id_fk ON contribution_analyses (framework_id);
CREATE INDEX contribution_analyses_reviewed_by_fk ON contribution_analyses (reviewed_by) WHERE reviewed_by IS NOT NULL;
CREATE INDEX contribution_tags_tagged_by_fk ON contribution_tags (tagged_by) WHERE tagged_by IS NOT NULL;
CREATE INDEX contributions_quote_approved_by_fk ON contributions (quote_approved_by) WHERE quote_approved_by IS NOT NULL;
CREATE INDEX contributions_translated_by_fk ON contributions (translated_by) WHERE translated_by IS NOT NULL;
CREATE INDEX frameworks_added_by_fk ON frameworks (added_by) WHERE added_by IS NOT NULL;
CREATE INDEX mail_messages_contribution_id_fk ON mail_messages (contribution_id) WHERE contribution_id IS NOT NULL;
CREATE INDEX paper_forms_issued_by_fk ON paper_forms (issued_by) WHERE issued_by IS NOT NULL;
CREATE INDEX phase_changes_changed_by_fk ON phase_changes (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX phase_changes_programme_fk ON phase_changes (programme);
CREATE INDEX programme_members_user_id_fk ON programme_members (user_id);
CREATE INDEX programme_neighbourhoods_neighbourhood_fk ON programme_neighbourhoods (neighbourhood);
CREATE INDEX programmes_created_by_fk ON programmes (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX programmes_framework_id_fk ON programmes (framework_id);
CREATE INDEX proposition_evidence_pinned_by_fk ON proposition_evidence (pinned_by) WHERE pinned_by IS NOT NULL;
CREATE INDEX proposition_versions_changed_by_fk ON proposition_versions (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX propositions_created_by_fk ON propositions (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX propositions_programme_fk ON propositions (programme);
CREATE INDEX response_evidence_contribution_id_fk ON response_evidence (contribution_id);
CREATE INDEX responses_created_by_fk ON responses (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX responses_neighbourhood_fk ON responses (neighbourhood) WHERE neighbourhood IS NOT NULL;
CREATE INDEX responses_proposition_id_fk ON responses (proposition_id) WHERE proposition_id IS NOT NULL;
CREATE INDEX round_invitations_neighbourhood_fk ON round_invitations (neighbourhood) WHERE neighbourhood IS NOT NULL;
CREATE INDEX round_invitations_round_id_fk ON round_invitations (round_id);
CREATE INDEX round_propositions_proposition_id_fk ON round_propositions (proposition_id);
CREATE INDEX safeguarding_flags_handled_by_fk ON safeguarding_flags (handled_by) WHERE handled_by IS NOT NULL;
CREATE INDEX withdrawals_withdrawn_by_fk ON withdrawals (withdrawn_by) WHERE withdrawn_by IS NOT NULL;
CREATE INDEX workshop_notes_duplicate_of_fk ON workshop_notes (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX workshop_notes_prompt_id_fk ON workshop_notes (prompt_id);
CREATE INDEX workshops_created_by_fk ON workshops (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX workshops_neighbourhood_fk ON workshops (neighbourhood) WHERE neighbourhood IS NOT NULL;
