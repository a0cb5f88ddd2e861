# Berth silo image. Build from the repository root:
#   docker build -f deploy/Silo.Dockerfile -t berth-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo/Berth.Silo.csproj -c Release -o /app

# The silo hosts the Orleans dashboard services, which need the ASP.NET Core runtime.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The silo enforces tenants' egress policy with the host's firewall (it runs with host networking
# and CAP_NET_ADMIN; see docker-compose.yml and docs/security.md).
RUN apt-get update && apt-get install -y --no-install-recommends iptables && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY workloads /workloads
ENV Silo__WorkloadsDirectory=/workloads
EXPOSE 11111 30000
ENTRYPOINT ["dotnet", "Berth.Silo.dll"]
