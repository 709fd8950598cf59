import { describe, expect, it } from 'vitest';
import { NOW, grantedAward, must } from '../award-fixtures';
import type { AwardState } from '../awards/award';
import { countersignAgreement, issueAgreement, signAgreement } from './agreement';
import { agreementText, countersignatureText, dateText, identifiersOf, percentText, signatureText } from './agreement-text';

const textOf = (award: AwardState) => agreementText(award).map((block) => block.text).join('\n');
/** French amounts use no-break spaces (narrow between thousands): compared here with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

/** A tiers-lieu association granted 30 000 € on 90 000 € (rate 1/3), with the data of its dossier and call. */
const association = (): AwardState => ({
  ...grantedAward({ kind: 'association', grantCents: 3_000_000, eligibleCostCents: 9_000_000 }),
  organisationId: '44306184100047',
  beneficiary: { name: 'La Fabrique du Coin', kind: 'association', organisationId: '44306184100047' },
  project: { title: 'Un tiers-lieu numérique en centre-bourg', startDate: '2027-03-01', endDate: '2029-12-31' },
  funding: { callTitle: 'Fabriques de territoire — vague 2027', programme: 'Nouveaux lieux, nouveaux liens', budgetProgrammeLine: '0112-01-12' },
});

describe('agreementText', () => {
  it('given a commune granted 20 000 € on 40 000 €, then the parties, the grant and its rate, the schedule and the deadlines are stated in euros and dates French-style', () => {
    const text = plain(textOf(grantedAward()));
    expect(text).toContain('Convention attributive de subvention');
    expect(text).toContain('L’État, représenté par l’Agence nationale de la cohésion des territoires (ANCT)');
    expect(text).toContain('commune (SIREN 216901231)');
    expect(text).toContain('Le coût éligible retenu du projet s’élève à 40 000,00 €.');
    expect(text).toContain('une subvention d’un montant maximal de 20 000,00 €, soit un taux effectif de 50 % du coût éligible (subvention ÷ coût éligible)');
    expect(text).toContain('Une avance de 30 % au plus de la subvention, soit 6 000,00 €');
    expect(text).toContain('ne peuvent excéder 80 % de la subvention, soit 16 000,00 €');
    expect(text).toContain('Le solde est versé sur présentation du rapport final d’exécution');
    // Notified on 10 January 2027: start declared by 10 January 2029, completion within 48 months of the start.
    expect(text).toContain('au plus tard le 10 janvier 2029 (24 mois après la notification');
    expect(text).toContain('dans un délai de 48 mois à compter du commencement d’exécution');
    expect(text).toContain('décret n° 2018-514 du 25 juin 2018');
    expect(text).toContain('décret n° 2018-514, article 11');
    expect(text).toContain('notifiée le 10 janvier 2027 au titre du dossier n° AAP-2027-000001');
  });

  it('given a commune, then neither loi 2000-321 nor the CERFA 15059 report applies; the obligations every beneficiary has are there', () => {
    const text = plain(textOf(grantedAward()));
    expect(text).not.toContain('2000-321');
    expect(text).not.toContain('15059');
    for (const obligation of ['commencement d’exécution du projet ;', 'état récapitulatif des dépenses (fournisseur, date, montant, catégorie) accompagné des pièces justificatives', 'rapport final d’exécution', 'pendant dix ans', 'soutien financier de l’État (ANCT)']) {
      expect(text).toContain(obligation);
    }
  });

  it('given an association over 23 000 € with its dossier and call data, then its name, SIREN and SIRET, the project, the programme line, loi 2000-321 art. 10 and the CERFA 15059 within six months', () => {
    const text = plain(textOf(association()));
    expect(text).toContain('et La Fabrique du Coin, association (SIREN 443061841, SIRET 44306184100047)');
    expect(text).toContain('le projet « Un tiers-lieu numérique en centre-bourg », dont la réalisation est prévue du 1er mars 2027 au 31 décembre 2029');
    expect(text).toContain('l’appel à projets « Fabriques de territoire — vague 2027 » (programme Nouveaux lieux, nouveaux liens)');
    expect(text).toContain('les crédits du programme budgétaire 0112-01-12');
    expect(text).toContain('la loi n° 2000-321 du 12 avril 2000');
    expect(text).toContain('dans les six mois suivant la fin de l’exercice');
    expect(text).toContain('CERFA n° 15059');
    expect(text).toContain('Aucun versement n’intervient avant la signature de la présente convention par les deux parties (loi n° 2000-321, article 10)');
    // 30 000 / 90 000 is not a whole number of basis points: the rate shown is rounded down, and said so.
    expect(text).toContain('soit un taux effectif de 33,33 % du coût éligible (subvention ÷ coût éligible, arrondi ; les versements appliquent le rapport exact)');
  });

  it('given an award whose kind is not known, then the association clauses are stated as conditional, not left out', () => {
    const text = plain(textOf(grantedAward({ kind: null })));
    expect(text).toContain('si le bénéficiaire est une association : la loi n° 2000-321');
    expect(text).toContain('si le bénéficiaire est une association : produire');
    expect(text).toContain('le bénéficiaire du dossier n° AAP-2027-000001 (SIREN 216901231)');
  });

  it('given a recorded legal commitment, then its number is in the agreement', () => {
    const award = { ...association(), legalCommitment: { number: '2103456789', recordedBy: 'finance-1', recordedAt: NOW.toISOString() } };
    expect(plain(textOf(award))).toContain('Engagement juridique n° 2103456789.');
  });

  it('reads nothing but the award: the same award says the same thing, whatever else changed in it', () => {
    const award = association();
    expect(agreementText({ ...award, version: 9, bankDetailsSubmitted: 3 })).toEqual(agreementText(award));
  });
});

describe('signature pages', () => {
  const DOC = 'c'.repeat(64);
  const signed = must(signAgreement(must(issueAgreement(association(), { sha256: DOC }, NOW)), { sha256: DOC, by: 'applicant-7' }, NOW));

  it('given a signed agreement, then its page names the signer, the instant in Paris time and the SHA-256 of the document signed', () => {
    const text = plain(signatureText(signed).map((b) => b.text).join('\n'));
    expect(text).toContain('Signée pour La Fabrique du Coin par l’utilisateur applicant-7');
    expect(text).toContain('1 février 2027 à 11:00:00 (heure de Paris)');
    expect(text).toContain(DOC);
    expect(text).toContain('Signature électronique simple');
  });

  it('given a countersigned agreement, then its page names the programme manager and both SHA-256', () => {
    const countersigned = must(countersignAgreement(signed, { sha256: DOC, by: 'manager-2' }, new Date('2027-02-03T15:30:00Z')));
    const text = plain(countersignatureText(countersigned, 'd'.repeat(64)).map((b) => b.text).join('\n'));
    expect(text).toContain('par le responsable de programme manager-2');
    expect(text).toContain('3 février 2027 à 16:30:00 (heure de Paris)');
    expect(text).toContain(DOC);
    expect(text).toContain('d'.repeat(64));
  });

  it('given an agreement not signed, then there is no signature page to write', () => {
    expect(() => signatureText(association())).toThrow(/not signed/);
  });
});

describe('formatting', () => {
  it('writes rates, dates and identifiers as the agreement prints them', () => {
    expect([percentText(5_000), percentText(3_750), percentText(3_333), percentText(7)].map(plain)).toEqual(['50 %', '37,5 %', '33,33 %', '0,07 %']);
    expect([dateText('2029-01-10'), dateText('2027-03-01')]).toEqual(['10 janvier 2029', '1er mars 2027']);
    expect(identifiersOf('216901231')).toBe('SIREN 216901231');
    expect(identifiersOf('44306184100047')).toBe('SIREN 443061841, SIRET 44306184100047');
  });
});
