import { Schema } from 'mongoose';
import { accepted, EvaluationReviewSubmitted } from '@aap/contracts';
import { documentStore, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
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
/** A read model (declared with `context.model`: the per-document lock, no outbox), it publishes nothing. */
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

/** A reviewer's scores in a call as the command handler sees them. */
interface ScoresState {
  callId: string;
  reviewerId: string;
  dossiers: string;
  weightedScores: string;
  version: number;
}

const SCORES_MAPPING: DocumentMapping<ScoresState, ReviewerScoresDocument> = {
  name: 'reviewer scores',
  toState: (doc) => ({ callId: doc.callId, reviewerId: doc.reviewerId, dossiers: doc.dossiers ?? '', weightedScores: doc.weightedScores ?? '', version: doc.version }),
  toFields: ({ version: _version, ...fields }) => fields,
};

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
    { minimize: false },
  );
  const ReviewerScores = context.model<ReviewerScoresDocument>('ReviewerScores', schema, { collection: 'reviewer_scores' });

  const scoresOf = context.commands(documentStore(ReviewerScores, SCORES_MAPPING));
  context.consumer.on(EvaluationReviewSubmitted, async (event) => {
    const { callId, reviewerId, dossierId, weightedScore } = event.data;
    const empty: ScoresState = { callId, reviewerId, dossiers: '', weightedScores: '', version: 0 };
    await scoresOf.handle(
      `${callId}|${reviewerId}`,
      startingFrom(empty, (scores) => {
        // A review is final: a dossier already counted is a redelivery.
        if (scores.dossiers.split('\n').includes(dossierId)) return accepted(scores);
        const append = (list: string, item: string) => (list ? `${list}\n${item}` : item);
        return accepted({ ...scores, dossiers: append(scores.dossiers, dossierId), weightedScores: append(scores.weightedScores, String(weightedScore)) });
      }),
    );
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
