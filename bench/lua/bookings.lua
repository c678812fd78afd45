-- POST /api/appointments/ with a different body (a different free slot) on every request.
-- args: <file with one JSON body per line> <number of wrk threads>
-- The Authorization header comes from wrk's -H option (wrk.headers).
-- Each thread takes every n-th line (offset by its id), so no two requests share a slot.
-- When a thread runs out of lines it starts again from its first line: those requests then
-- hit taken slots and are refused (400), which the runner reports as non-2xx. The runner
-- writes enough lines that this does not happen in a measured run.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local bodies = {}
local i = 0
function init(args)
  local file, nthreads = args[1], tonumber(args[2] or "1")
  local k = 0
  for line in io.lines(file) do
    if line ~= "" and k % nthreads == id then bodies[#bodies + 1] = line end
    k = k + 1
  end
  if #bodies == 0 then error("no bodies for thread " .. id .. " in " .. file) end
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/appointments/", nil, bodies[i])
end
