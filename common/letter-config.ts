// What the determination letter takes from the deployment rather than the record: the letterhead
// (organisation, address, contact), a reviewer to sign when the signed-in user cannot be read, and the
// appeal and peer-to-peer paragraphs. A JSON file (config/letter.json unless LETTER_CONFIG names
// another), validated once at start by server/config.ts and served to the app in /app-config.js. The
// SMART app imports only the type.
import { z } from 'zod';

const text = z.string().trim().min(1);

export const letterConfigSchema = z
  .object({
    /** The organisation the letter comes from, as its letterhead names it. */
    organisation: text,
    /** A department under it ("Utilization Review"). */
    department: text.optional(),
    /** Postal address, one line per entry. */
    address: z.array(text).min(1),
    contact: z
      .object({ phone: text.optional(), fax: text.optional(), email: text.optional(), web: text.optional() })
      .strict()
      .refine((c) => Object.values(c).some(Boolean), { message: 'give at least one of phone, fax, email, web' }),
    /** Signs the letter when the signed-in user (fhirUser) is not known or cannot be read. */
    reviewer: z.object({ name: text, credentials: text.optional(), title: text.optional() }).strict().optional(),
    /**
     * Shown when a determination is anything but criteria met. Placeholders: {payer}, {organisation},
     * {phone}, {fax}, {email}, {reviewer}.
     */
    appeal: text,
    /** The offer of a peer-to-peer discussion, same placeholders; left out when absent. */
    peerToPeer: text.optional(),
  })
  .strict();

export type LetterConfig = z.infer<typeof letterConfigSchema>;

export const LETTER_PLACEHOLDERS = ['payer', 'organisation', 'phone', 'fax', 'email', 'reviewer'] as const;
