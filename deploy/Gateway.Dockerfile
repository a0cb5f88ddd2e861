# Berth HTTP gateway image. Build from the repository root:
#   docker build -f deploy/Gateway.Dockerfile -t berth-gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Gateway/Berth.Gateway.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 8080
ENTRYPOINT ["dotnet", "Berth.Gateway.dll", "--urls", "http://0.0.0.0:8080"]
