import { euros, type ApplicantKind } from '@aap/contracts';
import { advanceCapCents, agreementRequired, effectiveRateBps, interimCapCents, type AwardState } from '../awards/award';

/**
 * What the agreement says, pure: the blocks of text the PDF draws, in order (the layout wraps and
 * paginates them). Kept apart from the rendering so its content is tested as text, and so the same
 * award always says the same thing: nothing here reads the clock, only the award.
 */

export type BlockStyle = 'title' | 'subtitle' | 'heading' | 'text' | 'item' | 'mono';
export interface Block {
  style: BlockStyle;
  text: string;
}

const KIND_LABELS: Record<ApplicantKind, string> = {
  commune: 'commune',
  epci: 'établissement public de coopération intercommunale',
  metropole: 'métropole',
  departement: 'département',
  region: 'région',
  'syndicat-mixte': 'syndicat mixte',
  association: 'association',
  scic: 'société coopérative d’intérêt collectif',
  company: 'société',
  other: 'personne morale',
};

/** Amounts as French readers write them: "20 000,00 €". */
export const eurosText = (cents: number): string => euros(cents);

/** Basis points → "50 %", "37,5 %", "33,33 %". */
export function percentText(bps: number): string {
  const whole = Math.floor(bps / 100);
  const fraction = String(bps % 100).padStart(2, '0').replace(/0+$/, '');
  return `${whole}${fraction ? `,${fraction}` : ''}\u00a0%`;
}

const LONG_DATE = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' });
const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Europe/Paris' });

/** A calendar date (YYYY-MM-DD, or the date of an ISO instant) → "10 janvier 2029", "1er mars 2027". */
export const dateText = (isoDate: string): string => LONG_DATE.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`)).replace(/^1 /, '1er ');
/** An instant → "1 février 2027 à 11:00:00 (heure de Paris)". */
export const instantText = (iso: string): string => `${PARIS_TIME.format(new Date(iso))} (heure de Paris)`;

/** The beneficiary's SIREN, and its SIRET when the organisation is an establishment (14 digits). */
export function identifiersOf(organisationId: string): string {
  const siren = `SIREN ${organisationId.slice(0, 9)}`;
  return organisationId.length === 14 ? `${siren}, SIRET ${organisationId}` : siren;
}

const kindOf = (award: AwardState): ApplicantKind | undefined => award.beneficiary?.kind ?? award.beneficiaryKind;

/** The agreement's reference, on every page: "Convention n° AAP-2027-000042". */
export const agreementLabel = (award: AwardState): string => `Convention n° ${award.number}`;

/**
 * The association clauses (loi 2000-321 art. 10, CERFA 15059): for an association; for a beneficiary
 * whose kind is not known, stated as conditional rather than left out (the award treats it as one).
 */
function forAssociation(award: AwardState, clause: string): string[] {
  const kind = kindOf(award);
  if (kind === 'association') return [clause];
  if (kind === undefined) return [`si le bénéficiaire est une association : ${clause}`];
  return [];
}

function partiesOf(award: AwardState): Block[] {
  const kind = kindOf(award);
  const who = award.beneficiary ? award.beneficiary.name : `le bénéficiaire du dossier n° ${award.number}`;
  const kindText = kind ? `, ${KIND_LABELS[kind]}` : '';
  return [
    { style: 'heading', text: 'Entre les soussignés' },
    { style: 'text', text: 'L’État, représenté par l’Agence nationale de la cohésion des territoires (ANCT), ci-après « l’administration », d’une part,' },
    { style: 'text', text: `et ${who}${kindText} (${identifiersOf(award.beneficiary?.organisationId ?? award.organisationId)}), ci-après « le bénéficiaire », d’autre part.` },
  ];
}

function legalBasis(award: AwardState): Block[] {
  const line = award.funding?.budgetProgrammeLine;
  return [
    { style: 'heading', text: 'Vu' },
    { style: 'item', text: 'le décret n° 2018-514 du 25 juin 2018 relatif aux subventions de l’État pour des projets d’investissement, notamment ses articles 10 à 12 ;' },
    ...forAssociation(award, 'la loi n° 2000-321 du 12 avril 2000 relative aux droits des citoyens dans leurs relations avec les administrations, notamment son article 10 ;').map((text) => ({ style: 'item' as const, text })),
    ...(line ? [{ style: 'item' as const, text: `les crédits du programme budgétaire ${line} ;` }] : []),
    { style: 'item', text: `la décision d’attribution de la subvention notifiée le ${dateText(award.notifiedAt)} au titre du dossier n° ${award.number} ;` },
  ];
}

function objectOf(award: AwardState): Block[] {
  const { project, funding } = award;
  const what = project
    ? `le projet « ${project.title} », dont la réalisation est prévue du ${dateText(project.startDate)} au ${dateText(project.endDate)}`
    : `le projet présenté dans le dossier n° ${award.number}`;
  const call = funding ? `l’appel à projets « ${funding.callTitle} » (programme ${funding.programme})` : `l’appel à projets ${award.callId}`;
  return [
    { style: 'heading', text: 'Article 1 — Objet' },
    { style: 'text', text: `La présente convention définit les conditions dans lesquelles l’État soutient ${what}, retenu au titre de ${call}.` },
  ];
}

function amountOf(award: AwardState): Block[] {
  const { grantCents, eligibleCostCents } = award;
  const rateBps = effectiveRateBps(grantCents, eligibleCostCents);
  const exact = (grantCents * 10_000) % eligibleCostCents === 0;
  const rounding = exact ? '' : ', arrondi ; les versements appliquent le rapport exact';
  return [
    { style: 'heading', text: 'Article 2 — Montant de la subvention et son calcul' },
    { style: 'text', text: `Le coût éligible retenu du projet s’élève à ${eurosText(eligibleCostCents)}.` },
    { style: 'text', text: `L’État attribue au bénéficiaire une subvention d’un montant maximal de ${eurosText(grantCents)}, soit un taux effectif de ${percentText(rateBps)} du coût éligible (subvention ÷ coût éligible${rounding}).` },
    {
      style: 'text',
      text: 'Le montant définitif est égal au taux effectif appliqué aux dépenses éligibles réellement exposées et justifiées, arrondi au centime inférieur, dans la limite du montant maximal ci-dessus. Le total des aides publiques ne peut excéder le coût éligible (décret n° 2018-514, article 10).',
    },
    ...(award.funding?.budgetProgrammeLine ? [{ style: 'text' as const, text: `Imputation budgétaire : programme ${award.funding.budgetProgrammeLine}.` }] : []),
    ...(award.legalCommitment ? [{ style: 'text' as const, text: `Engagement juridique n° ${award.legalCommitment.number}.` }] : []),
  ];
}

function scheduleOf(award: AwardState): Block[] {
  const { schedule } = award;
  return [
    { style: 'heading', text: 'Article 3 — Modalités de versement (décret n° 2018-514, article 12)' },
    { style: 'item', text: `Une avance de ${percentText(schedule.advanceBps)} au plus de la subvention, soit ${eurosText(advanceCapCents(award))}, peut être versée sur déclaration du commencement d’exécution du projet.` },
    {
      style: 'item',
      text: `Des acomptes sont versés au vu d’états récapitulatifs des dépenses accompagnés de leurs justificatifs ; l’avance et les acomptes cumulés ne peuvent excéder ${percentText(schedule.interimCapBps)} de la subvention, soit ${eurosText(interimCapCents(award))}.`,
    },
    {
      style: 'item',
      text: 'Le solde est versé sur présentation du rapport final d’exécution : il est égal au montant définitif (article 2) diminué des sommes déjà versées. Si les sommes versées excèdent le montant définitif, l’excédent est reversé sur titre de perception.',
    },
    { style: 'text', text: 'Les versements sont effectués sur le compte bancaire dont les coordonnées ont été validées par l’administration.' },
  ];
}

function deadlinesOf(award: AwardState): Block[] {
  const { schedule } = award;
  return [
    { style: 'heading', text: 'Article 4 — Délais d’exécution et caducité (décret n° 2018-514, article 11)' },
    {
      style: 'text',
      text: `Le bénéficiaire déclare le commencement d’exécution du projet au plus tard le ${dateText(award.startDeadline)} (${schedule.startWithinMonths} mois après la notification de la subvention). Ce délai peut être prorogé une fois, pour douze mois au plus, sur demande motivée.`,
    },
    { style: 'text', text: `Le projet est achevé et son achèvement déclaré dans un délai de ${schedule.completionWithinMonths} mois à compter du commencement d’exécution.` },
    { style: 'text', text: 'À défaut, la subvention devient caduque : aucun versement n’est plus effectué et les sommes non versées sont dégagées.' },
  ];
}

function obligationsOf(award: AwardState): Block[] {
  const items = [
    'déclarer dans la plateforme le commencement d’exécution du projet ;',
    'joindre à chaque demande d’acompte un état récapitulatif des dépenses (fournisseur, date, montant, catégorie) accompagné des pièces justificatives ;',
    'transmettre à l’achèvement du projet un rapport final d’exécution et l’état des dépenses éligibles réellement exposées ;',
    ...forAssociation(award, 'produire, dans les six mois suivant la fin de l’exercice pour lequel la subvention a été attribuée, le compte rendu financier conforme au formulaire CERFA n° 15059 (loi n° 2000-321, article 10) ;'),
    'conserver les pièces justificatives pendant dix ans à compter du versement du solde et les tenir à la disposition de l’administration ;',
    'faire état du soutien financier de l’État (ANCT) dans toute communication relative au projet ;',
    'informer sans délai l’administration de toute modification du projet, de son calendrier ou de son plan de financement.',
  ];
  return [
    { style: 'heading', text: 'Article 5 — Obligations du bénéficiaire' },
    { style: 'text', text: 'Le bénéficiaire s’engage à :' },
    ...items.map((text) => ({ style: 'item' as const, text })),
  ];
}

function controlAndSignature(award: AwardState): Block[] {
  return [
    { style: 'heading', text: 'Article 6 — Contrôle et reversement' },
    {
      style: 'text',
      text: 'L’administration peut contrôler sur pièces et sur place l’emploi de la subvention. Tout ou partie des sommes versées est reversé en cas d’inexécution, de modification du projet non autorisée ou d’emploi non conforme à la présente convention.',
    },
    { style: 'heading', text: 'Article 7 — Signature et prise d’effet' },
    {
      style: 'text',
      text: 'La présente convention est signée électroniquement dans la plateforme par le bénéficiaire, puis contresignée par l’administration ; chaque signature porte sur l’empreinte SHA-256 du présent document (signature électronique simple, règlement (UE) n° 910/2014, article 25). Elle prend effet à la date de la contresignature.',
    },
    ...(agreementRequired(award) ? [{ style: 'text' as const, text: 'Aucun versement n’intervient avant la signature de la présente convention par les deux parties (loi n° 2000-321, article 10).' }] : []),
  ];
}

/** French typography: no line break before « : ; » », after « and n° (no-break spaces). */
const typeset = (blocks: Block[]): Block[] =>
  blocks.map(({ style, text }) => ({ style, text: text.replace(/ ([:;»!?])/g, '\u00a0$1').replace(/(«|n°) /g, '$1\u00a0') }));

/** The agreement of an award, as the blocks its PDF draws. */
export function agreementText(award: AwardState): Block[] {
  return typeset([
    { style: 'title', text: 'Convention attributive de subvention' },
    { style: 'subtitle', text: `${agreementLabel(award)}${award.funding ? ` — ${award.funding.programme}` : ''}` },
    ...partiesOf(award),
    ...legalBasis(award),
    { style: 'text', text: 'Il est convenu ce qui suit.' },
    ...objectOf(award),
    ...amountOf(award),
    ...scheduleOf(award),
    ...deadlinesOf(award),
    ...obligationsOf(award),
    ...controlAndSignature(award),
  ]);
}

const beneficiaryName = (award: AwardState) => award.beneficiary?.name ?? `l’organisation ${identifiersOf(award.organisationId)}`;

/** The page the beneficiary's signature appends: who, when, and the SHA-256 of the document signed. */
export function signatureText(award: AwardState): Block[] {
  const agreement = award.agreement;
  if (!agreement?.signedBy || !agreement.signedAt) throw new Error(`the agreement of award ${award.awardId} is not signed`);
  return typeset([
    { style: 'title', text: 'Signature du bénéficiaire' },
    { style: 'subtitle', text: agreementLabel(award) },
    { style: 'text', text: `Signée pour ${beneficiaryName(award)} par l’utilisateur ${agreement.signedBy}, authentifié dans la plateforme, le ${instantText(agreement.signedAt)}.` },
    { style: 'text', text: 'Document signé (convention émise, pages précédentes), empreinte SHA-256 :' },
    { style: 'mono', text: agreement.sha256 },
    { style: 'text', text: 'Signature électronique simple (règlement (UE) n° 910/2014, article 25 ; code civil, article 1367) : le signataire a approuvé le document identifié par cette empreinte.' },
  ]);
}

/** The page the programme manager's countersignature appends, over the document the beneficiary signed. */
export function countersignatureText(award: AwardState, signedSha256: string): Block[] {
  const agreement = award.agreement;
  if (!agreement?.countersignedBy || !agreement.countersignedAt) throw new Error(`the agreement of award ${award.awardId} is not countersigned`);
  return typeset([
    { style: 'title', text: 'Contresignature de l’administration' },
    { style: 'subtitle', text: agreementLabel(award) },
    { style: 'text', text: `Contresignée pour l’État (ANCT) par le responsable de programme ${agreement.countersignedBy}, authentifié dans la plateforme, le ${instantText(agreement.countersignedAt)}.` },
    { style: 'text', text: 'Convention émise, empreinte SHA-256 :' },
    { style: 'mono', text: agreement.sha256 },
    { style: 'text', text: 'Convention signée par le bénéficiaire (pages précédentes), empreinte SHA-256 :' },
    { style: 'mono', text: signedSha256 },
    { style: 'text', text: 'La convention lie désormais les deux parties ; elle prend effet à la date de la présente contresignature.' },
  ]);
}
