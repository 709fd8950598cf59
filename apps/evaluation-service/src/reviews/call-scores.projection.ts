import { Schema } from 'mongoose';
import { EvaluationReviewSubmitted } from '@aap/contracts';
import { documentLocksPlugin } from '@aap/messaging';
import { insertOnce, record, type ServiceContext } from '@aap/service-runtime';
import { normalisationOf, type Normalisation } from '../scoring/scoring';

/**
 * Every submitted review's weighted score in a call, kept from evaluation.review-submitted: what the
 * call-wide normalisation and the reviewer statistics read. One small document per reviewer and call
 * (`_id` = `<callId>|<reviewerId>`), read with one equality on the indexed callId: a call's sheet then
 * reads its reviewers' documents (tens), not every evaluation of the call (measured: 11–15 s for a
 * call of 5 000 evaluations on FerretDB, against tens of ms this way).
 *
 * It follows the reviews by the time their event is consumed (a fraction of a second). A redelivered
 * event finds its dossier already there and changes nothing.
 */
interface ReviewerScoresDocument {
  _id: string;
  callId: string;
  reviewerId: string;
  /**
   * The dossiers the reviewer scored in the call and their weighted scores, one per line, in the
   * same order. Read on every oversight sheet: FerretDB decodes every JSON value of a document one
   * by one, so two strings read many times faster than arrays (JavaScript's number → string → number
   * is exact). Measured in the report: an array of {dossierId, score} objects took 5.3 s at 100 000
   * dossiers.
   */
  dossiers: string;
  weightedScores: string;
  version: number;
}

export interface CallScores {
  /** The call's normalisation from every submitted review of the call, all waves (scoring core). */
  normalisation(callId: string): Promise<Normalisation>;
}

const MAX_ATTEMPTS = 20;

export function registerCallScores(context: ServiceContext): CallScores {
  const schema = new Schema<ReviewerScoresDocument>(
    {
      _id: { type: String, required: true },
      callId: { type: String, required: true, index: true },
      reviewerId: { type: String, required: true },
      dossiers: { type: String, default: '' },
      weightedScores: { type: String, default: '' },
      version: { type: Number, required: true },
    },
    { versionKey: false, minimize: false },
  );
  // The guarded read-then-write below is serialised per document in this process (FerretDB replaces documents).
  schema.plugin(documentLocksPlugin);
  const ReviewerScores = context.db.model<ReviewerScoresDocument>('ReviewerScores', schema, 'reviewer_scores');

  context.consumer.on(EvaluationReviewSubmitted, async (event) => {
    const { callId, reviewerId, dossierId, weightedScore } = event.data;
    const id = `${callId}|${reviewerId}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await ReviewerScores.findById(id).lean<ReviewerScoresDocument>();
      if (!current) {
        if ((await insertOnce(ReviewerScores, { _id: id, callId, reviewerId, dossiers: dossierId, weightedScores: String(weightedScore), version: 1 })) === 'inserted') return;
        continue;
      }
      // A review is final: a dossier already counted is a redelivery.
      if (current.dossiers.split('\n').includes(dossierId)) return;
      const next = { dossiers: `${current.dossiers}\n${dossierId}`, weightedScores: `${current.weightedScores}\n${weightedScore}` };
      if (await record(ReviewerScores, { id, version: current.version }, { $set: next })) return;
    }
    throw new Error(`the scores of reviewer ${reviewerId} in call ${callId} kept changing; retried`);
  });

  return {
    async normalisation(callId) {
      const reviewers = await ReviewerScores.find({ callId }).select('reviewerId weightedScores').lean<ReviewerScoresDocument[]>();
      return normalisationOf((sink) => {
        for (const reviewer of reviewers) for (const score of reviewer.weightedScores.split('\n')) sink(reviewer.reviewerId, Number(score));
      });
    },
  };
}
