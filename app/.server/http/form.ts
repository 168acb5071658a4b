// The admin pages' forms: a POST that is not a form (wrong Content-Type, a broken multipart body) is the client's
// mistake and gets a 400 with the reason, not the 500 that request.formData() would turn into.

export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    throw new Response("Send the form as application/x-www-form-urlencoded or multipart/form-data.", { status: 400 });
  }
}
