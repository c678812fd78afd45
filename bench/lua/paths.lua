-- GET a different path on every request.
-- args: <file with one path per line> <number of wrk threads>
-- Each thread takes every n-th line (offset by its id) and cycles through them.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local paths = {}
local i = 0
function init(args)
  local file, nthreads = args[1], tonumber(args[2] or "1")
  local k = 0
  for line in io.lines(file) do
    if line ~= "" and k % nthreads == id then paths[#paths + 1] = line end
    k = k + 1
  end
  if #paths == 0 then error("no paths for thread " .. id .. " in " .. file) end
  i = math.random(#paths) - 1
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
