// The `branding:` section of a campaign: logo, colours per scheme, which schemes to offer.
import { Type, type Static } from 'typebox'

const hexColor = Type.String({
  pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$',
  errorMessage: 'must be a hex colour such as #0b57d0'
})

const PaletteSchema = Type.Object({
  accent: Type.Optional(hexColor),
  accentText: Type.Optional(hexColor),
  background: Type.Optional(hexColor),
  text: Type.Optional(hexColor)
}, { additionalProperties: false })

export const BrandingSchema = Type.Object({
  logo: Type.Optional(Type.String({ minLength: 1, maxLength: 500, errorMessage: 'must be the path of an image file, relative to the campaigns file' })),
  logoDark: Type.Optional(Type.String({ minLength: 1, maxLength: 500, errorMessage: 'must be the path of an image file for dark backgrounds, relative to the campaigns file' })),
  logoAlt: Type.Optional(Type.String({ minLength: 1, maxLength: 120, errorMessage: 'must be text of 1 to 120 characters' })),
  colors: Type.Optional(PaletteSchema),
  darkColors: Type.Optional(PaletteSchema),
  colorScheme: Type.Optional(Type.Enum(['auto', 'light', 'dark'], {
    errorMessage: 'must be auto (light or dark as the visitor prefers), light or dark'
  }))
}, { additionalProperties: false })

export type BrandingConfig = Static<typeof BrandingSchema>
