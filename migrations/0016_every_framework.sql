-- NLP quality (issue 15): a safeguarding flag names the kinds of abuse or neglect it suggests (the Care Act 2014's
-- ten, plus risk to life), and a board can follow any framework (an outcome framework's counts over time).

ALTER TABLE safeguarding_flags ADD COLUMN kinds text[] NOT NULL DEFAULT '{}';
ALTER TABLE boards ADD COLUMN framework_id text REFERENCES frameworks (id);

-- Experience (issue 10): approving a proposition that has no consensus needs a recorded reason; a proposition
-- drafted or shortlisted before the Define phase says so.
ALTER TABLE approvals ADD COLUMN without_consensus text NOT NULL DEFAULT '';
ALTER TABLE propositions ADD COLUMN drafted_in_phase programme_phase;
