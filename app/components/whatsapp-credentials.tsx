// The WhatsApp credential fields that Setup and Settings both post to connectWhatsApp.
import { FormLayout, TextField } from "@shopify/polaris";

export type CredentialValues = { phoneNumberId: string; wabaId: string; appId: string; accessToken: string; appSecret: string; verifyToken: string };

type FieldStrings = Record<
  "phoneNumberId" | "phoneNumberIdHelp" | "wabaId" | "wabaIdHelp" | "appId" | "appIdHelp" | "accessToken" | "accessTokenHelp" | "accessTokenKeep" | "appSecret" | "appSecretHelp" | "appSecretKeep" | "verifyToken" | "verifyTokenHelp" | "verifyTokenKeep",
  string
>;

/**
 * With a stored connection the secrets' help says what is kept (its last four characters); `idHelp` adds where
 * to find the two ids (Setup, where a merchant meets them first).
 */
export function CredentialFields({
  strings: f,
  values,
  onChange,
  errors,
  stored,
  idHelp = false,
}: {
  strings: FieldStrings;
  values: CredentialValues;
  onChange: (field: keyof CredentialValues) => (value: string) => void;
  errors: Record<string, string>;
  stored: { tokenHint: string; appSecretHint: string; verifyTokenHint: string } | null;
  idHelp?: boolean;
}) {
  const ids = (help: string) => (idHelp ? { helpText: help, inputMode: "numeric" as const } : {});
  return (
    <FormLayout>
      <FormLayout.Group>
        <TextField label={f.phoneNumberId} name="phoneNumberId" value={values.phoneNumberId} onChange={onChange("phoneNumberId")} error={errors.phoneNumberId} {...ids(f.phoneNumberIdHelp)} autoComplete="off" />
        <TextField label={f.wabaId} name="wabaId" value={values.wabaId} onChange={onChange("wabaId")} error={errors.wabaId} {...ids(f.wabaIdHelp)} autoComplete="off" />
      </FormLayout.Group>
      {/* Optional; always explained: only the submission of image templates needs it. */}
      <TextField label={f.appId} name="appId" value={values.appId} onChange={onChange("appId")} error={errors.appId} helpText={f.appIdHelp} inputMode="numeric" autoComplete="off" />
      <TextField
        label={f.accessToken}
        name="accessToken"
        type="password"
        value={values.accessToken}
        onChange={onChange("accessToken")}
        error={errors.accessToken}
        helpText={stored ? f.accessTokenKeep.replace("{hint}", stored.tokenHint) : f.accessTokenHelp}
        autoComplete="off"
      />
      <FormLayout.Group>
        <TextField
          label={f.appSecret}
          name="appSecret"
          type="password"
          value={values.appSecret}
          onChange={onChange("appSecret")}
          error={errors.appSecret}
          helpText={stored ? f.appSecretKeep.replace("{hint}", stored.appSecretHint) : f.appSecretHelp}
          autoComplete="off"
        />
        <TextField
          label={f.verifyToken}
          name="verifyToken"
          value={values.verifyToken}
          onChange={onChange("verifyToken")}
          error={errors.verifyToken}
          helpText={stored ? f.verifyTokenKeep.replace("{hint}", stored.verifyTokenHint) : f.verifyTokenHelp}
          autoComplete="off"
        />
      </FormLayout.Group>
    </FormLayout>
  );
}
