import { redirect, type HeadersFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import polarisDe from "@shopify/polaris/locales/de.json";
import polarisEn from "@shopify/polaris/locales/en.json";
import { authenticate } from "../shopify.server";
import { getEnv } from "../env.server";
import { merchantDeps } from "../merchant.server";
import { merchantLayout } from "../.server/onboarding/layout";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const env = getEnv();
  const layout = await merchantLayout(merchantDeps(), session.shop, request);
  if (layout.redirectTo) throw redirect(layout.redirectTo);
  // In the local demo there is no Shopify admin to load App Bridge from; a local stand-in is served instead.
  return { apiKey: env.SHOPIFY_API_KEY, appBridgeUrl: env.DEMO_MODE ? "/demo/app-bridge.js" : undefined, nav: layout.nav, language: layout.language };
};

export default function App() {
  const { apiKey, appBridgeUrl, nav, language } = useLoaderData<typeof loader>();
  const demoProps = appBridgeUrl ? ({ __APP_BRIDGE_URL: appBridgeUrl } as object) : {};
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} i18n={language === "de" ? polarisDe : polarisEn} {...demoProps}>
      <NavMenu>
        <Link to="/app" rel="home">
          {nav.home}
        </Link>
        <Link to="/app/onboarding">{nav.setup}</Link>
        <Link to="/app/automations">{nav.automations}</Link>
        <Link to="/app/cart-recovery">{language === "de" ? "Warenkorb-Erinnerungen" : "Cart recovery"}</Link>
        <Link to="/app/messages">{nav.messages}</Link>
        <Link to="/app/subscribers">{nav.subscribers}</Link>
        <Link to="/app/settings">{nav.settings}</Link>
      </NavMenu>
      <Outlet />
    </AppProvider>
  );
}

export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
