import { HttpProblem } from '@aap/http';
import { EDITABLE_STATUSES } from '@aap/contracts';
import { MAX_ATTACHMENTS_PER_DOSSIER, MAX_FILE_BYTES } from './attachment-limits';

/** An upload refused by one rule: the problem's type and its single `errors` entry both name the rule. */
const refusal = (status: number, rule: string, title: string, detail: string) =>
  new HttpProblem(status, rule, title, detail, [{ in: 'rule', name: rule, detail }]);

export const multipartRequired = () =>
  refusal(415, 'multipart-required', 'An upload is a multipart/form-data request', 'send a multipart/form-data body: a documentType field, then a file part');

export const invalidDocumentType = (value: string | undefined) =>
  refusal(
    400,
    'document-type',
    'The document type is missing or invalid',
    value === undefined
      ? 'the form needs a documentType field (a slug such as "deliberation") before its file part'
      : `documentType must be a slug such as "deliberation" (lowercase letters, digits and dashes), got "${value.slice(0, 80)}"`,
  );

export const fileMissing = () => refusal(400, 'file', 'The form has no file', 'the form needs a part named file, after the documentType field');

export const fileTooLarge = () => refusal(413, 'file-too-large', 'The file is too large', `a file may not exceed ${MAX_FILE_BYTES} bytes (${MAX_FILE_BYTES / 1024 / 1024} MiB)`);

export const contentTypeNotAllowed = (detail: string) => refusal(415, 'content-type-not-allowed', 'This type of file is not accepted', detail);

export const officeContainerInvalid = (detail: string) => refusal(415, 'office-container', 'This file is not the Office document it claims to be', detail);

export const tooManyAttachments = () =>
  refusal(422, 'too-many-attachments', 'The dossier has too many attachments', `a dossier may have at most ${MAX_ATTACHMENTS_PER_DOSSIER} attachments: remove one first`);

export const dossierNotEditable = (status: string) =>
  refusal(409, 'dossier-not-editable', 'The dossier cannot be changed now', `attachments can only change while the dossier is ${EDITABLE_STATUSES.join(' or ')}; it is ${status}`);
