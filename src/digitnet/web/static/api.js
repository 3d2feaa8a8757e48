// The server's JSON API, one small function per call. Errors come back as {"detail": "..."}.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function parse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep body null and report the status below
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail);
  }
  return body;
}

export async function getJSON(url) {
  return parse(await fetch(url, { cache: "no-store" }));
}

export async function postJSON(url, data) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data ?? {}),
  });
  return parse(response);
}

/** POST raw image bytes (a Blob or File) as the request body. */
export async function postImage(url, blob) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": blob.type || "application/octet-stream" },
    body: blob,
  });
  return parse(response);
}
