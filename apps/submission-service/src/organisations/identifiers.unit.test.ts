import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidRna, isValidSiren, isValidSiret, LA_POSTE_SIREN } from './identifiers';

const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
/** Every number with exactly one valid check digit appended (see the first property). */
const completed = (prefix: string, isValid: (n: string) => boolean) => [...'0123456789'].map((d) => prefix + d).filter(isValid);
const validSiren = digits(8).map((prefix) => completed(prefix, isValidSiren)[0]!);
const ordinarySiret = fc
  .tuple(validSiren, digits(4))
  .filter(([siren]) => siren !== LA_POSTE_SIREN)
  .map(([siren, nic]) => completed(siren + nic, isValidSiret)[0]!);

/** Replaces the digit at `index` by another one. */
const withDigitChanged = (number: string, index: number, shift: number) =>
  number.slice(0, index) + String((Number(number[index]) + shift) % 10) + number.slice(index + 1);

describe('SIREN', () => {
  it('given real SIRENs from the geography data and the register, when checked, then they are valid', () => {
    for (const siren of ['216901231' /* Lyon */, '200046977' /* Métropole de Lyon */, '200000172' /* CC Faucigny - Glières */, LA_POSTE_SIREN]) {
      expect(isValidSiren(siren), siren).toBe(true);
    }
  });

  it('given a mistyped digit, a wrong length or a non-digit, when checked, then it is refused', () => {
    for (const siren of ['216901232', '123456789', '21690123', '2169012310', '21690123A', ' 216901231', '']) {
      expect(isValidSiren(siren), siren).toBe(false);
    }
  });

  it('given any 8 digits, then exactly one check digit completes them into a valid SIREN', () => {
    fc.assert(fc.property(digits(8), (prefix) => completed(prefix, isValidSiren).length === 1));
  });

  it('given a valid SIREN, when any one digit is changed, then the checksum fails', () => {
    fc.assert(
      fc.property(validSiren, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 }), (siren, index, shift) => !isValidSiren(withDigitChanged(siren, index, shift))),
    );
  });

  it('given a valid SIREN, when two different adjacent digits are swapped (other than 0 and 9), then the checksum fails', () => {
    fc.assert(
      fc.property(validSiren, fc.integer({ min: 0, max: 7 }), (siren, index) => {
        const [a, b] = [siren[index]!, siren[index + 1]!];
        fc.pre(a !== b && `${a}${b}` !== '09' && `${a}${b}` !== '90');
        return !isValidSiren(siren.slice(0, index) + b + a + siren.slice(index + 2));
      }),
    );
  });
});

describe('SIRET', () => {
  it('given real SIRETs, when checked, then they are valid', () => {
    expect(isValidSiret('73282932000074')).toBe(true);
    // La Poste's head office is an ordinary Luhn number.
    expect(isValidSiret('35600000000048')).toBe(true);
  });

  it('given a La Poste establishment failing Luhn but with a digit sum multiple of 5, when checked, then it is valid', () => {
    expect(isValidSiret('35600000049837')).toBe(true); // digit sum 45
    expect(isValidSiret('35600000049838')).toBe(false); // digit sum 46, not Luhn either
  });

  it('given the digit-sum exception, when another company uses it, then it does not apply', () => {
    // 73282932000074 with its last digit changed: digit sum 50, Luhn broken.
    expect(isValidSiret('73282932000077')).toBe(false);
  });

  it('given a wrong length, non-digits or a SIREN part failing its own checksum, when checked, then it is refused', () => {
    for (const siret of ['7328293200007', '732829320000740', '7328293200007A', '']) expect(isValidSiret(siret), siret).toBe(false);
    fc.assert(
      fc.property(validSiren, fc.integer({ min: 1, max: 9 }), digits(4), (siren, shift, nic) => {
        const wrongSiren = withDigitChanged(siren, 0, shift);
        return completed(wrongSiren + nic, isValidSiret).length === 0;
      }),
    );
  });

  it('given a valid SIRET outside La Poste, when any one digit is changed, then the checksum fails', () => {
    fc.assert(
      fc.property(ordinarySiret, fc.integer({ min: 0, max: 13 }), fc.integer({ min: 1, max: 9 }), (siret, index, shift) => !isValidSiret(withDigitChanged(siret, index, shift))),
    );
  });
});

describe('RNA', () => {
  it('given W followed by 9 capital letters or digits, when checked, then it is valid', () => {
    for (const rna of ['W751234567', 'W9M1000022', 'W2A1000123']) expect(isValidRna(rna), rna).toBe(true);
  });

  it('given another letter, a wrong length or lower case, when checked, then it is refused', () => {
    for (const rna of ['X751234567', 'W75123456', 'W7512345678', 'w751234567', 'W75123456a', '751234567']) expect(isValidRna(rna), rna).toBe(false);
  });
});
