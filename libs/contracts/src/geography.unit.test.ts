import { describe, expect, it } from 'vitest';
import { communeByCode, communeBySiren, communesByPostcode, departementByCode, epciBySiren, epciOfCommune, regionByCode } from './geography';

describe('official geography (@etalab/decoupage-administratif)', () => {
  it('given Lyon, when looked up by INSEE code or by SIREN, then it is the same current commune with its département and région', () => {
    const lyon = { code: '69123', name: 'Lyon', siren: '216901231', departement: '69', region: '84' };
    expect(communeByCode('69123')).toEqual(lyon);
    expect(communeBySiren('216901231')).toEqual(lyon);
  });

  it('given a Corsican commune, when looked up, then its code keeps the 2A/2B département', () => {
    expect(communeByCode('2A004')).toMatchObject({ name: 'Ajaccio', departement: '2A', region: '94' });
  });

  it('given codes that are not current communes, when looked up, then nothing is found', () => {
    expect(communeByCode('69381')).toBeUndefined(); // Lyon 1er arrondissement (arrondissement municipal)
    expect(communeByCode('75001')).toBeUndefined(); // a postcode of Paris
    expect(communeBySiren('200046977')).toBeUndefined(); // the Métropole de Lyon
  });

  it('given a postcode, when looked up, then the communes it serves are found: a postcode is not an INSEE code', () => {
    expect(communesByPostcode('75001').map((c) => c.code)).toEqual(['75056']);
    // 69001 is a postcode of Lyon (69123) and the INSEE code of Affoux.
    expect(communesByPostcode('69001').map((c) => c.code)).toEqual(['69123']);
    expect(communeByCode('69001')?.name).toBe('Affoux');
  });

  it('given the Métropole de Lyon, when looked up by SIREN, then it is a métropole on the Rhône in Auvergne-Rhône-Alpes', () => {
    expect(epciBySiren('200046977')).toEqual({ siren: '200046977', name: 'Métropole de Lyon', kind: 'metropole', departements: ['69'], regions: ['84'] });
    expect(epciBySiren('243100518')).toMatchObject({ name: 'Toulouse Métropole', kind: 'metropole' });
  });

  it('given an ordinary communauté de communes, when looked up, then it is an EPCI with its members territory', () => {
    expect(epciBySiren('200000172')).toEqual({ siren: '200000172', name: 'CC Faucigny - Glières', kind: 'epci', departements: ['74'], regions: ['84'] });
  });

  it('given an EPCI spanning two départements in two régions, then its territory lists both, deduplicated and sorted', () => {
    expect(epciBySiren('200035129')).toMatchObject({ name: 'CC de Cèze Cévennes', departements: ['07', '30'], regions: ['76', '84'] });
  });

  it('given a département or a région code, when looked up, then its name comes from the data', () => {
    expect(departementByCode('69')).toEqual({ code: '69', name: 'Rhône', region: '84' });
    expect(departementByCode('2B')).toMatchObject({ name: 'Haute-Corse', region: '94' });
    expect(departementByCode('99')).toBeUndefined();
    expect(regionByCode('94')).toEqual({ code: '94', name: 'Corse', departements: ['2A', '2B'] });
    expect(regionByCode('84')).toMatchObject({ name: 'Auvergne-Rhône-Alpes' });
    expect(regionByCode('84')?.departements).toContain('69');
    expect(regionByCode('99')).toBeUndefined();
  });

  it('given a commune, when its EPCI is looked up, then it is the EPCI it is a member of', () => {
    expect(epciOfCommune('69123')).toBe('200046977'); // Lyon → Métropole de Lyon
    expect(epciOfCommune('74042')).toBe('200000172'); // Bonneville → CC Faucigny - Glières
    expect(epciOfCommune('75001')).toBeUndefined(); // not a commune code
  });
});
