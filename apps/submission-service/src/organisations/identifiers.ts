/** French organisation identifiers (INSEE SIRENE register and RNA), checked offline. */

/** La Poste numbers its establishments beyond what Luhn-valid NICs allow: INSEE publishes this exception. */
export const LA_POSTE_SIREN = '356000000';

function digitsOf(number: string): number[] {
  return [...number].map(Number);
}

/** Luhn: from the right, every second digit is doubled (minus 9 above 9); the sum is a multiple of 10. */
function passesLuhn(number: string): boolean {
  const sum = digitsOf(number)
    .reverse()
    .reduce((total, digit, index) => {
      if (index % 2 === 0) return total + digit;
      const doubled = digit * 2;
      return total + (doubled > 9 ? doubled - 9 : doubled);
    }, 0);
  return sum % 10 === 0;
}

/** SIREN: 9 digits with a Luhn checksum. */
export function isValidSiren(siren: string): boolean {
  return /^\d{9}$/.test(siren) && passesLuhn(siren);
}

/**
 * SIRET: the SIREN followed by a 5-digit NIC, Luhn over the 14 digits. La Poste establishments are also
 * valid when their plain digit sum is a multiple of 5 (its head office, 35600000000048, is ordinary Luhn).
 */
export function isValidSiret(siret: string): boolean {
  if (!/^\d{14}$/.test(siret) || !isValidSiren(siret.slice(0, 9))) return false;
  if (passesLuhn(siret)) return true;
  return siret.startsWith(LA_POSTE_SIREN) && digitsOf(siret).reduce((total, digit) => total + digit, 0) % 5 === 0;
}

/** RNA (Répertoire national des associations): `W` followed by 9 letters or digits, e.g. W751234567. */
export function isValidRna(rna: string): boolean {
  return /^W[0-9A-Z]{9}$/.test(rna);
}
