import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The official geography (COG) from `@etalab/decoupage-administratif` (version pinned by the lockfile):
 * current communes, EPCI, départements and régions. An applicant's name, kind and territory come from
 * here, never from what it typed (submission); a reviewer's EPCI conflicts too (evaluation). A subpath
 * of @aap/contracts (`@aap/contracts/geography`) so that only the services that need it load the data.
 *
 * Départements and régions carry no SIREN in this data: they are found by their code, and the SIREN
 * the applicant gives for them can only be checksum-validated.
 */

export interface Commune {
  /** INSEE code (COG), e.g. 69123. */
  code: string;
  name: string;
  /** Absent for a few overseas communes (Saint-Pierre-et-Miquelon, Polynésie, Nouvelle-Calédonie…). */
  siren?: string;
  departement: string;
  region: string;
}

export interface Epci {
  /** An EPCI's code in the data is its SIREN. */
  siren: string;
  name: string;
  /** Métropoles (including the Métropole de Lyon) apart from the communautés (CC, CA, CU). */
  kind: 'epci' | 'metropole';
  /** Départements and régions of its member communes, sorted. */
  departements: string[];
  regions: string[];
}

export interface Departement {
  code: string;
  name: string;
  region: string;
}

export interface Region {
  code: string;
  name: string;
  /** Its départements, sorted. */
  departements: string[];
}

interface CommuneRecord {
  code: string;
  nom: string;
  type: string;
  siren?: string;
  departement: string;
  region: string;
  codesPostaux?: string[];
}
interface EpciRecord {
  code: string;
  nom: string;
  type: string;
  membres: Array<{ code: string }>;
}
interface DepartementRecord {
  code: string;
  nom: string;
  region: string;
}
interface RegionRecord {
  code: string;
  nom: string;
}

interface GeographyIndex {
  communesByCode: Map<string, Commune>;
  communesBySiren: Map<string, Commune>;
  communesByPostcode: Map<string, Commune[]>;
  epcisBySiren: Map<string, Epci>;
  /** The EPCI (SIREN) each commune belongs to: a current commune is a member of at most one. */
  epciOfCommune: Map<string, string>;
  departementsByCode: Map<string, Departement>;
  regionsByCode: Map<string, Region>;
}

const require = createRequire(import.meta.url);
const readData = <T>(file: string): T[] => JSON.parse(readFileSync(require.resolve(`@etalab/decoupage-administratif/data/${file}`), 'utf8')) as T[];

const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort();

function buildIndex(): GeographyIndex {
  const communesByCode = new Map<string, Commune>();
  const communesBySiren = new Map<string, Commune>();
  const communesByPostcode = new Map<string, Commune[]>();
  // Communes déléguées, associées and arrondissements municipaux are not collectivités that can apply.
  for (const record of readData<CommuneRecord>('communes.json')) {
    if (record.type !== 'commune-actuelle') continue;
    const commune: Commune = {
      code: record.code,
      name: record.nom,
      ...(record.siren ? { siren: record.siren } : {}),
      departement: record.departement,
      region: record.region,
    };
    communesByCode.set(commune.code, commune);
    if (commune.siren) communesBySiren.set(commune.siren, commune);
    for (const postcode of record.codesPostaux ?? []) communesByPostcode.set(postcode, [...(communesByPostcode.get(postcode) ?? []), commune]);
  }

  const epcisBySiren = new Map<string, Epci>();
  const epciOfCommune = new Map<string, string>();
  for (const record of readData<EpciRecord>('epci.json')) {
    const members = record.membres.flatMap((member) => communesByCode.get(member.code) ?? []);
    for (const commune of members) epciOfCommune.set(commune.code, record.code);
    epcisBySiren.set(record.code, {
      siren: record.code,
      name: record.nom,
      // METRO, and MET69 for the Métropole de Lyon.
      kind: record.type.startsWith('MET') ? 'metropole' : 'epci',
      departements: sortedUnique(members.map((commune) => commune.departement)),
      regions: sortedUnique(members.map((commune) => commune.region)),
    });
  }

  const departementRecords = readData<DepartementRecord>('departements.json');
  const departementsByCode = new Map(departementRecords.map(({ code, nom, region }) => [code, { code, name: nom, region }]));
  const regionsByCode = new Map(
    readData<RegionRecord>('regions.json').map(({ code, nom }) => [
      code,
      { code, name: nom, departements: sortedUnique(departementRecords.filter((d) => d.region === code).map((d) => d.code)) },
    ]),
  );

  return { communesByCode, communesBySiren, communesByPostcode, epcisBySiren, epciOfCommune, departementsByCode, regionsByCode };
}

let index: GeographyIndex | undefined;
/** Parsed on first use (some 12 MB of JSON), then kept in memory for the life of the process. */
const geography = (): GeographyIndex => (index ??= buildIndex());

export const communeBySiren = (siren: string): Commune | undefined => geography().communesBySiren.get(siren);
export const communeByCode = (inseeCode: string): Commune | undefined => geography().communesByCode.get(inseeCode);
/** The communes a postcode serves: to tell an applicant who typed a postcode for an INSEE code. */
export const communesByPostcode = (postcode: string): Commune[] => geography().communesByPostcode.get(postcode) ?? [];
export const epciBySiren = (siren: string): Epci | undefined => geography().epcisBySiren.get(siren);
/** The SIREN of the EPCI a commune (INSEE code) belongs to, if any (conflicts of interest of reviewers). */
export const epciOfCommune = (inseeCode: string): string | undefined => geography().epciOfCommune.get(inseeCode);
export const departementByCode = (code: string): Departement | undefined => geography().departementsByCode.get(code);
export const regionByCode = (code: string): Region | undefined => geography().regionsByCode.get(code);
